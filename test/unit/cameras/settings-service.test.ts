// Camera settings orchestration with a device double that holds vivid's recorded controls:
// what is saved (persistence policy), what is put back on re-plug, and what happens to values
// the device no longer accepts (dropped, reported, never retried). The real v4l2-ctl runs in
// the VM lane (e2e/vm/controls.test.ts).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import { CameraIdStore } from '../../../src/cameras/id-store.js';
import { CameraRegistry, type Camera } from '../../../src/cameras/registry.js';
import type { ControlWrite } from '../../../src/cameras/settings/controls.js';
import { CameraSettings, SettingsError, type SettingsChange } from '../../../src/cameras/settings/service.js';
import { SettingsStore } from '../../../src/cameras/settings/store.js';
import { ControlWriteError, type ControlDevice } from '../../../src/cameras/settings/v4l2-ctl.js';
import { TestPatternCameras } from '../../../src/cameras/test-patterns.js';
import { parseListCtrls, type V4l2Control } from '../../../src/discovery/v4l2-controls.js';
import { fixture } from '../discovery/fixture-tree.js';

const dir = mkdtempSync(join(tmpdir(), 'settings-service-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const RECORDED = fixture('vivid/vivid-000-video-capture').read('list-ctrls-menus.txt');

/** vivid's controls in memory: writes change values (and gain's inactive flag); `refuse` names fail like an ioctl error. */
class DeviceDouble implements ControlDevice {
  controls: V4l2Control[] = parseListCtrls(RECORDED);
  refuse = new Set<string>();
  writes: string[][] = [];
  async read(): Promise<V4l2Control[]> {
    return structuredClone(this.controls);
  }
  async write(_dev: string, batch: readonly ControlWrite[]): Promise<V4l2Control[]> {
    this.writes.push(batch.map((w) => `${w.name}=${w.text}`));
    const bad = batch.find((w) => this.refuse.has(w.name));
    if (bad) throw new ControlWriteError('v4l2-ctl exited with 255: VIDIOC_S_EXT_CTRLS: failed: Invalid argument', '');
    for (const w of batch) {
      const c = this.controls.find((x) => x.name === w.name)!;
      c.value = c.type === 'str' ? w.text : Number(w.text);
      if (w.name === 'gain_automatic') {
        const gain = this.controls.find((x) => x.name === 'gain')!;
        gain.flags = c.value === 0 ? ['volatile'] : ['inactive', 'volatile'];
      }
    }
    return structuredClone(this.controls);
  }
  value(name: string) {
    return this.controls.find((x) => x.name === name)!.value;
  }
  /** A re-plug: the driver starts from its defaults. */
  replug() {
    this.controls = parseListCtrls(RECORDED);
  }
}

function setup(name: string) {
  const registry = new CameraRegistry();
  const store = new SettingsStore(join(dir, name, 'camera-settings.json'));
  const device = new DeviceDouble();
  const testPatterns = new TestPatternCameras(registry, new CameraIdStore(join(dir, name, 'ids.json')));
  const settings = new CameraSettings({
    registry, store, device, testPatterns, log: pino({ level: 'silent' }),
    formatsOf: () => undefined, refreshModes: () => undefined, recording: () => false,
  });
  const camera: Omit<Camera, 'since'> = { id: 'camera0', kind: 'v4l2', name: 'vivid', status: 'CONNECTED', debug: { identity: 'bus:platform:vivid-000', device: '/dev/video0' } };
  const plug = (status: Camera['status']) => registry.upsert({ ...camera, status });
  return { registry, store, device, settings, plug };
}
const who = { user: 'alice', role: 'operator' };

describe('CameraSettings with a device double', () => {
  it('persist saves the values and the automatic control governing a manual one; a re-plug puts them back', async () => {
    const { store, device, settings, plug } = setup('a');
    plug('CONNECTED');
    const r = await settings.setControls('camera0', { brightness: 10, gain: 50, gain_automatic: false }, true, who);
    assert.deepEqual(r, { controls: { brightness: 10, gain: 50, gain_automatic: false }, persisted: true });
    assert.deepEqual(device.writes.slice(-2), [['brightness=10', 'gain_automatic=0'], ['gain=50']], 'automatic control first, in its own write');
    await settings.setControls('camera0', { gain: 60 }, true, who);
    assert.deepEqual(store.get('bus:platform:vivid-000').controls, { brightness: 10, gain: 60, gain_automatic: false });

    plug('DISCONNECTED');
    device.replug();
    const back = once(settings, 'changed') as Promise<[SettingsChange]>;
    plug('CONNECTED');
    const [change] = await back;
    assert.deepEqual([change.reason, change.by, change.controls], ['reapplied_on_connect', 'camera-service', { brightness: 10, gain: 60, gain_automatic: false }]);
    assert.deepEqual([device.value('brightness'), device.value('gain_automatic'), device.value('gain')], [10, 0, 60]);
  });

  it('values set without persist are put back on re-plug but not saved', async () => {
    const { store, device, settings, plug } = setup('b');
    plug('CONNECTED');
    await settings.setControls('camera0', { contrast: 3 }, false, who);
    assert.deepEqual(store.get('bus:platform:vivid-000').controls, {});
    plug('DISCONNECTED');
    device.replug();
    const back = once(settings, 'changed');
    plug('CONNECTED');
    await back;
    assert.equal(device.value('contrast'), 3);
  });

  it('invalid requests change nothing: no write, SettingsError with details', async () => {
    const { device, settings, plug } = setup('c');
    plug('CONNECTED');
    const err = await settings.setControls('camera0', { brightness: 999, contrast: 1 }, true, who).catch((e: SettingsError) => e);
    assert.ok(err instanceof SettingsError);
    assert.equal(err.kind, 'invalid_params');
    assert.deepEqual(Object.keys(err.extra.details ?? {}), ['brightness']);
    assert.deepEqual(device.writes, []);
  });

  it('a device that refuses a write gets the previous values back; the answer is a device error', async () => {
    const { device, settings, plug } = setup('d');
    plug('CONNECTED');
    device.refuse.add('contrast');
    const err = await settings.setControls('camera0', { brightness: 7, gain_automatic: false, gain: 9, contrast: 5 }, true, who).catch((e: SettingsError) => e);
    assert.ok(err instanceof SettingsError && err.kind === 'device');
    assert.deepEqual([device.value('brightness'), device.value('gain_automatic')], [128, 1], 'the first batch was undone');
  });

  it('saved values the camera no longer accepts are dropped and reported once; the others are applied', async () => {
    const { store, device, settings, plug } = setup('e');
    store.saveControls('bus:platform:vivid-000', { brightness: 999, no_such_control: 1, saturation: 42, hue: 5 });
    device.refuse.add('hue');
    const rejected = once(settings, 'rejected') as Promise<[Camera, string, Record<string, { rule: string }>]>;
    const applied = once(settings, 'changed') as Promise<[SettingsChange]>;
    plug('CONNECTED');
    const [camera, reason, details] = await rejected;
    assert.equal(camera.id, 'camera0');
    assert.match(reason, /saved settings dropped/);
    assert.deepEqual(Object.fromEntries(Object.entries(details).map(([k, v]) => [k, v.rule])), { brightness: 'maximum', no_such_control: 'unknown', hue: 'device' });
    assert.deepEqual((await applied)[0].controls, { saturation: 42 });
    assert.equal(device.value('saturation'), 42);
    assert.deepEqual(store.get('bus:platform:vivid-000').controls, { saturation: 42 }, 'never retried');
  });

  it('reset: defaults written, saved values forgotten; unknown names refused', async () => {
    const { store, device, settings, plug } = setup('f');
    plug('CONNECTED');
    await settings.setControls('camera0', { brightness: 1, contrast: 2 }, true, who);
    const err = await settings.resetControls('camera0', ['brightness', 'nope'], who).catch((e: SettingsError) => e);
    assert.ok(err instanceof SettingsError && err.kind === 'invalid_params');
    const r = await settings.resetControls('camera0', ['brightness'], who);
    assert.deepEqual(r, { controls: { brightness: 128 }, skipped: [] });
    assert.deepEqual(store.get('bus:platform:vivid-000').controls, { contrast: 2 });
    assert.equal(device.value('brightness'), 128);
  });

  it('validation judges again on a fresh read when the cached flags refuse (an automatic mode switched by another program)', async () => {
    const { device, settings, plug } = setup('h');
    plug('CONNECTED');
    await settings.setControls('camera0', { brightness: 1 }, false, who); // caches gain as inactive
    await device.write('/dev/video0', [{ name: 'gain_automatic', text: '0', value: false }]); // behind the service's back
    const r = await settings.setControls('camera0', { gain: 5 }, false, who);
    assert.deepEqual(r.controls, { gain: 5 });
  });

  it('a disconnected camera: invalid state; an unknown one: not found', async () => {
    const { settings, plug } = setup('g');
    plug('DISCONNECTED');
    assert.equal(((await settings.controls('camera0').catch((e: SettingsError) => e)) as SettingsError).kind, 'invalid_state');
    assert.throws(() => settings.setControls('camera5', { a: 1 }, false, who), (e: SettingsError) => e.kind === 'not_found');
  });
});
