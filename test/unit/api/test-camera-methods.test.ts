/** add_test_camera / remove_test_camera: params (the config's pattern rules), registry effects, errors. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { monotonicMs, testCameraMethods } from '../../../src/api/methods/test-cameras.js';
import { RpcError } from '../../../src/api/rpc/errors.js';
import type { CallContext, MethodDef } from '../../../src/api/rpc/registry.js';
import { CameraIdStore } from '../../../src/cameras/id-store.js';
import { CameraRegistry, type Camera } from '../../../src/cameras/registry.js';
import { TestPatternCameras } from '../../../src/cameras/test-patterns.js';
import { configSchema } from '../../../src/config/schema.js';
import { validate } from '../../../src/lib/schema.js';

const dir = mkdtempSync(join(tmpdir(), 'test-camera-methods-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let seq = 0;

const ctx: CallContext = {
  session: { id: 's1', remote: '127.0.0.1', auth: { role: 'admin', userId: 'u', expiresAt: Date.now() + 60_000, method: 'jwt' } },
  requestId: 'r1',
};

function setup(max?: number) {
  const registry = new CameraRegistry();
  const testPatterns = new TestPatternCameras(registry, new CameraIdStore(join(dir, `ids-${++seq}.json`)));
  const methods = testCameraMethods({ registry, testPatterns, ...(max !== undefined ? { max } : {}) });
  const method = (name: string) => methods.find((m) => m.name === name)! as MethodDef;
  const changes: [Camera, Camera | undefined][] = [];
  registry.on('change', (c, p) => changes.push([c, p]));
  const call = async (name: 'add_test_camera' | 'remove_test_camera', params: object) => (await method(name).handler(params, ctx)) as Record<string, any>;
  /** The RpcError a call rejects with. */
  const fails = async (name: 'add_test_camera' | 'remove_test_camera', params: object) => {
    try {
      await call(name, params);
    } catch (err) {
      assert.ok(err instanceof RpcError, String(err));
      return err;
    }
    assert.fail(`${name} ${JSON.stringify(params)} succeeded`);
  };
  return { registry, testPatterns, method, call, fails, changes };
}

describe('add_test_camera / remove_test_camera params', () => {
  const { method } = setup();

  it('add_test_camera takes exactly the schema of a test_cameras.patterns item', () => {
    assert.equal(method('add_test_camera').params, configSchema.properties!.test_cameras!.properties!.patterns!.items);
    assert.ok(validate(method('add_test_camera').params, { name: 'bench0' }).ok);
    assert.ok(validate(method('add_test_camera').params, { name: 'a b.c_d-1', width: 320, height: 240, fps: 15, encode_live: true }).ok);
    const rules = (p: unknown) => {
      const r = validate(method('add_test_camera').params, p);
      return r.ok ? [] : r.issues.map((i) => `${i.path} ${i.rule}`);
    };
    assert.deepEqual(rules({}), ['name required']);
    assert.deepEqual(rules({ name: 'a/b' }), ['name pattern']);
    assert.deepEqual(rules({ name: 'x'.repeat(65) }), ['name pattern']);
    assert.deepEqual(rules({ name: 'a', width: 8, fps: 61 }), ['width minimum:16', 'fps maximum:60']);
    assert.deepEqual(rules({ name: 'a', encode_live: 'yes' }), ['encode_live type:boolean']);
    assert.deepEqual(rules({ name: 'a', colour: 'red' }), ['colour unknown']);
  });

  it('remove_test_camera takes name or device', () => {
    const params = method('remove_test_camera').params;
    assert.ok(validate(params, { name: 'bench0' }).ok);
    assert.ok(validate(params, { device: 'camera3' }).ok);
    assert.equal(validate(params, { device: '/dev/video0' }).ok, false);
    assert.equal(validate(params, { name: 'a/b' }).ok, false);
  });

  it('both need the admin role', () => {
    assert.equal(method('add_test_camera').minRole, 'admin');
    assert.equal(method('remove_test_camera').minRole, 'admin');
  });
});

describe('add_test_camera / remove_test_camera', () => {
  it('add: a CONNECTED test-pattern camera in the registry, with the time of the registry event', async () => {
    const { registry, call, changes } = setup();
    const before = monotonicMs();
    const r = await call('add_test_camera', { name: 'p1', width: 320, height: 240, fps: 15 });
    const afterMs = monotonicMs();
    assert.deepEqual(
      { ...r, event_monotonic_ms: typeof r.event_monotonic_ms, timestamp: typeof r.timestamp },
      { device: 'camera0', name: 'p1', status: 'CONNECTED', reconnected: false, resolution: '320x240', fps: 15, encode_live: false, event_monotonic_ms: 'number', timestamp: 'string' },
    );
    assert.ok(r.event_monotonic_ms >= before && r.event_monotonic_ms <= afterMs);
    const cam = registry.get('camera0')!;
    assert.deepEqual([cam.kind, cam.status, cam.mode], ['test_pattern', 'CONNECTED', { format: 'H264', width: 320, height: 240, fps: 15 }]);
    assert.equal(changes.length, 1);
    assert.equal(changes[0]![1], undefined);
    assert.equal(registry.listenerCount('change'), 1, 'the timing listener is removed again');
  });

  it('add: defaults are those of the config (1280x720, 30 fps, loop)', async () => {
    const { call } = setup();
    const r = await call('add_test_camera', { name: 'd' });
    assert.deepEqual([r.resolution, r.fps, r.encode_live], ['1280x720', 30, false]);
  });

  it('add of a connected name is -32020; after remove it reconnects with the same id and new params', async () => {
    const { registry, call, fails } = setup();
    await call('add_test_camera', { name: 'p1' });
    await call('add_test_camera', { name: 'p2' });
    const dup = await fails('add_test_camera', { name: 'p1', width: 640 });
    assert.deepEqual([dup.code, dup.data.state], [-32020, 'CONNECTED']);
    const removed = await call('remove_test_camera', { name: 'p1' });
    assert.deepEqual([removed.device, removed.name, removed.status], ['camera0', 'p1', 'DISCONNECTED']);
    assert.equal(typeof removed.event_monotonic_ms, 'number');
    assert.equal(registry.get('camera0')!.status, 'DISCONNECTED');
    const again = await call('add_test_camera', { name: 'p1', width: 640, height: 360 });
    assert.deepEqual([again.device, again.reconnected, again.resolution], ['camera0', true, '640x360']);
    assert.equal(registry.get('camera0')!.status, 'CONNECTED');
  });

  it('remove: by device too; unknown, not a test pattern, or already removed are errors', async () => {
    const { registry, call, fails } = setup();
    registry.upsert({ id: 'camera7', kind: 'v4l2', name: 'usb', status: 'CONNECTED' });
    await call('add_test_camera', { name: 'p1' });
    assert.equal((await call('remove_test_camera', { device: 'camera0' })).name, 'p1');
    const again = await fails('remove_test_camera', { device: 'camera0' });
    assert.deepEqual([again.code, again.data.state], [-32020, 'DISCONNECTED']);
    for (const p of [{ name: 'nope' }, { device: 'camera9' }, { device: 'camera7' }]) {
      const e = await fails('remove_test_camera', p);
      assert.deepEqual([e.code, e.data.resource], [-32010, 'test-pattern camera'], JSON.stringify(p));
    }
    assert.equal(registry.get('camera7')!.status, 'CONNECTED');
    for (const p of [{}, { name: 'p1', device: 'camera0' }]) assert.equal((await fails('remove_test_camera', p)).code, -32602, JSON.stringify(p));
  });

  it('at most `max` test-pattern cameras known at once; reconnecting a removed one does not count', async () => {
    const { call, fails } = setup(2);
    await call('add_test_camera', { name: 'a' });
    await call('add_test_camera', { name: 'b' });
    await call('remove_test_camera', { name: 'b' });
    const e = await fails('add_test_camera', { name: 'c' });
    assert.deepEqual([e.code, e.data.state, e.data.limit], [-32020, 'LIMIT_REACHED', 2]);
    assert.equal((await call('add_test_camera', { name: 'b' })).reconnected, true);
  });
});
