import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignIds, CAMERA_ID_PATTERN, forgetId, lowestFreeId, type RegistryEntry } from '../../../src/discovery/id-assignment.js';

const ids = (r: ReturnType<typeof assignIds>): Record<string, string> => Object.fromEntries(r.ids);

describe('assignIds', () => {
  it('first sight: lowest free ids in the given order', () => {
    const r = assignIds([], [{ identity: 'A' }, { identity: 'B' }]);
    assert.deepEqual(ids(r), { A: 'camera0', B: 'camera1' });
    assert.deepEqual(r.added, ['camera0', 'camera1']);
    assert.deepEqual(r.registry.map((e) => [e.id, e.identity]), [['camera0', 'A'], ['camera1', 'B']]);
  });

  it('ids of absent cameras stay reserved; a returning camera gets its id back', () => {
    const start = assignIds([], [{ identity: 'A' }, { identity: 'B' }]).registry;
    const whileAway = assignIds(start, [{ identity: 'B' }, { identity: 'C' }]);
    assert.deepEqual(ids(whileAway), { B: 'camera1', C: 'camera2' });
    assert.deepEqual(whileAway.registry.map((e) => e.id), ['camera0', 'camera1', 'camera2'], 'A keeps camera0 while unplugged');
    const back = assignIds(whileAway.registry, [{ identity: 'C' }, { identity: 'A' }]);
    assert.deepEqual(ids(back), { C: 'camera2', A: 'camera0' });
    assert.deepEqual(back.added, []);
  });

  it('same result across restarts (the registry is all that persists)', () => {
    const first = assignIds([], [{ identity: 'A' }, { identity: 'B' }]);
    const persisted: RegistryEntry[] = JSON.parse(JSON.stringify(first.registry));
    const again = assignIds(persisted, [{ identity: 'B' }, { identity: 'A' }]);
    assert.deepEqual(ids(again), { A: 'camera0', B: 'camera1' });
  });

  it('fills gaps with the lowest free number', () => {
    const reg: RegistryEntry[] = [{ id: 'camera0', identity: 'A' }, { id: 'camera2', identity: 'C' }];
    assert.deepEqual(ids(assignIds(reg, [{ identity: 'D' }, { identity: 'E' }])), { D: 'camera1', E: 'camera3' });
  });

  it('forget releases an id for the next new camera', () => {
    const reg = assignIds([], [{ identity: 'A' }, { identity: 'B' }]).registry;
    const forgotten = forgetId(reg, 'camera0');
    assert.deepEqual(forgotten.map((e) => e.id), ['camera1']);
    assert.deepEqual(ids(assignIds(forgotten, [{ identity: 'Z' }])), { Z: 'camera0' });
    assert.deepEqual(forgetId(reg, 'camera9'), reg);
  });

  it('follows a device to a stronger key through its aliases and records the old key', () => {
    const reg: RegistryEntry[] = [{ id: 'camera0', identity: 'usb@port:0000:00:14.0-2' }];
    const r = assignIds(reg, [{ identity: 'usb:2232:1009@port:0000:00:14.0-2', aliases: ['usb@port:0000:00:14.0-2'] }]);
    assert.deepEqual(ids(r), { 'usb:2232:1009@port:0000:00:14.0-2': 'camera0' });
    assert.equal(r.rekeyed.get('camera0'), 'usb@port:0000:00:14.0-2');
    assert.equal(r.registry[0]!.identity, 'usb:2232:1009@port:0000:00:14.0-2');
    assert.ok(r.registry[0]!.aliases!.includes('usb@port:0000:00:14.0-2'));
  });

  it('an alias never matches another camera\'s aliases: a different model in the same port gets a new id', () => {
    const first = assignIds([], [{ identity: 'usb:046d:082d@port:P1', aliases: ['usb@port:P1'] }]).registry;
    const r = assignIds(first, [{ identity: 'usb:0c45:6366@port:P1', aliases: ['usb@port:P1'] }]);
    assert.deepEqual(ids(r), { 'usb:0c45:6366@port:P1': 'camera1' });
  });

  it('identical-serial twins: the serial entry goes to the unit its recorded aliases point to', () => {
    // camera0 was first seen alone (serial key), on port P2.
    const reg: RegistryEntry[] = [{ id: 'camera0', identity: 'usb:1bcf:2c99:serial:UNIT42', aliases: ['usb:1bcf:2c99@port:P2', 'usb@port:P2'] }];
    const r = assignIds(reg, [
      { identity: 'usb:1bcf:2c99@port:P1', aliases: ['usb:1bcf:2c99:serial:UNIT42', 'usb@port:P1'] },
      { identity: 'usb:1bcf:2c99@port:P2', aliases: ['usb:1bcf:2c99:serial:UNIT42', 'usb@port:P2'] },
    ]);
    assert.deepEqual(ids(r), { 'usb:1bcf:2c99@port:P1': 'camera1', 'usb:1bcf:2c99@port:P2': 'camera0' });
    // the twin on P1 unplugged again: camera0 is known by its serial once more
    const alone = assignIds(r.registry, [{ identity: 'usb:1bcf:2c99:serial:UNIT42', aliases: ['usb:1bcf:2c99@port:P2', 'usb@port:P2'] }]);
    assert.deepEqual(ids(alone), { 'usb:1bcf:2c99:serial:UNIT42': 'camera0' });
  });

  it('drops malformed and duplicate registry entries; ignores a device reported twice', () => {
    const reg = [
      { id: 'cam0', identity: 'X' },
      { id: 'camera1', identity: 'A' },
      { id: 'camera1', identity: 'B' },
      { id: 'camera2', identity: 'A' },
      { id: 'camera01', identity: 'Y' },
    ] as RegistryEntry[];
    const r = assignIds(reg, [{ identity: 'B' }, { identity: 'A' }, { identity: 'A' }]);
    assert.deepEqual(ids(r), { B: 'camera0', A: 'camera1' });
    assert.deepEqual(r.registry.map((e) => e.id), ['camera0', 'camera1']);
    for (const e of r.registry) assert.match(e.id, CAMERA_ID_PATTERN);
  });

  it('keeps the display name of the last sighting', () => {
    const r = assignIds([{ id: 'camera0', identity: 'A', name: 'old' }], [{ identity: 'A', name: 'HD Pro Webcam C920' }]);
    assert.equal(r.registry[0]!.name, 'HD Pro Webcam C920');
  });
});

describe('lowestFreeId', () => {
  it('ignores ids that are not cameraN', () => {
    assert.equal(lowestFreeId([]), 'camera0');
    assert.equal(lowestFreeId(['camera0', 'camera1', 'camera3']), 'camera2');
    assert.equal(lowestFreeId(['external0', 'camera0']), 'camera1');
  });
});
