import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Camera } from '../../../src/cameras/registry.js';
import type { AssembledCamera } from '../../../src/discovery/assemble.js';
import { cameraOf, capabilityEvent, causeOf, disconnectedCamera } from '../../../src/discovery/camera-state.js';
import type { ModeChoice } from '../../../src/discovery/mode-policy.js';
import { newNodeRecord, probedNodeOf, rescanDecision } from '../../../src/discovery/node-record.js';
import type { SysfsNode } from '../../../src/discovery/sysfs.js';

const mode: ModeChoice = { format: 'MJPG', width: 1280, height: 720, fps: 30, interval: { num: 1, den: 30 }, compressed: true, fromRange: false, reason: 'preferred format' };
const caps = { formats: ['MJPG'], resolutions: ['1280x720'], fps_options: [30] };
const assembled = (over: Partial<AssembledCamera> = {}): AssembledCamera =>
  ({
    identity: { key: 'usb:046d:0825:ABC', aliases: ['usb@1-1'], location: 'usb-port:1-1', basis: 'usb-serial', vendorId: '046d', productId: '0825', serial: 'ABC', name: 'C270' },
    name: 'C270',
    status: 'CONNECTED',
    primary: '/dev/video0',
    mode,
    capabilities: caps,
    nodes: [],
    driver: 'uvcvideo',
    busInfo: 'usb-0000:00:14.0-1',
    ...over,
  }) as AssembledCamera;
const camera = (over: Partial<Camera>): Camera => ({ id: 'camera0', kind: 'v4l2', name: 'C270', status: 'CONNECTED', since: 0, ...over });

describe('camera state (pure)', () => {
  it('an assembled camera: the policy mode, or the operator override for its identity', () => {
    const policy = cameraOf('camera0', assembled(), [], undefined);
    assert.equal(policy.status, 'CONNECTED');
    assert.deepEqual(policy.mode, { format: 'MJPG', width: 1280, height: 720, fps: 30 });
    assert.equal(policy.debug?.mode_source, 'policy');
    assert.equal(policy.debug?.device, '/dev/video0');
    const override = { ...mode, width: 640, height: 480, reason: 'operator' };
    const chosen = cameraOf('camera0', assembled(), [], (identity) => (identity === 'usb:046d:0825:ABC' ? override : undefined));
    assert.deepEqual(chosen.mode, { format: 'MJPG', width: 640, height: 480, fps: 30 });
    assert.equal(chosen.debug?.mode_source, 'operator');
    // No override without formats, or for a camera in ERROR.
    assert.equal(cameraOf('camera0', assembled(), undefined, () => override).debug?.mode_source, 'policy');
    const error = cameraOf('camera0', assembled({ status: 'ERROR', error: 'probe timed out', mode: null, capabilities: null, primary: null }), [], () => override);
    assert.equal(error.error, 'probe timed out');
    assert.equal(error.mode, undefined);
  });

  it('an absent camera is DISCONNECTED and keeps its last name, mode and capabilities', () => {
    const previous = camera({ name: 'Desk', mode: { format: 'MJPG', width: 1280, height: 720, fps: 30 }, capabilities: caps });
    const d = disconnectedCamera('camera0', 'usb:x', ['usb@1'], 'stored', previous);
    assert.equal(d.status, 'DISCONNECTED');
    assert.equal(d.name, 'Desk');
    assert.deepEqual(d.mode, previous.mode);
    assert.deepEqual(d.debug, { identity: 'usb:x', aliases: ['usb@1'], nodes: [] });
    assert.equal(disconnectedCamera('camera3', 'usb:y', [], undefined, undefined).name, 'camera3');
  });

  it('capability events: detected on connect or a change of mode or capabilities, error on a new error', () => {
    const up = camera({ capabilities: caps });
    assert.equal(capabilityEvent(undefined, up), 'capability_detected');
    assert.equal(capabilityEvent(up, { ...up }), undefined);
    assert.equal(capabilityEvent(up, { ...up, capabilities: { ...caps, fps_options: [15] } }), 'capability_detected');
    const err = camera({ status: 'ERROR', error: 'timeout' });
    assert.equal(capabilityEvent(up, err), 'capability_error');
    assert.equal(capabilityEvent(err, { ...err }), undefined);
    assert.equal(capabilityEvent(err, { ...err, error: 'no formats' }), 'capability_error');
    assert.equal(capabilityEvent(up, camera({ status: 'DISCONNECTED' })), undefined);
  });

  it('the cause of a change is the earliest matching hotplug event on its nodes, never the start-up listing', () => {
    const triggers = [
      { action: 'add' as const, name: 'video0', source: 'startup' as const, at: 1 },
      { action: 'add' as const, name: 'video0', source: 'udev' as const, at: 5 },
      { action: 'add' as const, name: 'video0', source: 'inotify' as const, at: 3 },
      { action: 'remove' as const, name: 'video0', source: 'udev' as const, at: 2 },
      { action: 'add' as const, name: 'video9', source: 'udev' as const, at: 0 },
    ];
    assert.equal(causeOf(triggers, camera({}), new Set(['video0']))?.at, 3);
    assert.equal(causeOf(triggers, camera({ status: 'DISCONNECTED' }), new Set(['video0']))?.at, 2);
    assert.equal(causeOf(triggers, camera({}), new Set(['video1'])), undefined);
  });
});

describe('node records (pure)', () => {
  const sys = (over: Partial<SysfsNode> = {}): SysfsNode => ({ name: 'video0', devnode: '/dev/video0', label: 'C270', index: 0, dev: '81:0', sysfsPath: '/sys/devices/usb1/1-1', usb: { vendorId: '046d' }, ...over });

  it('rescan decisions: gone, replaced, retried, or left alone', () => {
    const rec = newNodeRecord('video0', '/dev/video0', 1, undefined);
    rec.sys = sys();
    assert.equal(rescanDecision(rec, false, null), 'missed_remove');
    assert.equal(rescanDecision(rec, true, sys({ dev: '81:4' })), 'replaced');
    assert.equal(rescanDecision(rec, true, sys()), 'none');
    rec.error = 'probe timed out';
    assert.equal(rescanDecision(rec, true, sys()), 'retry');
    rec.state = 'probing';
    assert.equal(rescanDecision(rec, true, sys()), 'none');
  });

  it('the record as the assembly sees it', () => {
    const rec = newNodeRecord('video0', '/dev/video0', 1, { DEVLINKS: '/dev/v4l/by-id/a  /dev/v4l/by-path/b', ID_MODEL: 'C270' });
    rec.sys = sys();
    assert.deepEqual(probedNodeOf(rec), {
      devnode: '/dev/video0',
      indexInDevice: 0,
      sysfsPath: '/sys/devices/usb1/1-1',
      usb: { vendorId: '046d' },
      card: 'C270',
      udev: { DEVLINKS: '/dev/v4l/by-id/a  /dev/v4l/by-path/b', ID_MODEL: 'C270' },
      links: ['/dev/v4l/by-id/a', '/dev/v4l/by-path/b'],
    });
  });
});
