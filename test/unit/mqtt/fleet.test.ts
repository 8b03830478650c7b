import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderFleet } from '../../../src/cli/fleet.js';
import { FleetView } from '../../../src/mqtt/fleet.js';

const b = (s: string) => Buffer.from(s);
const state = (device: string, status: string, recording: boolean) =>
  b(JSON.stringify({ device, name: `cam ${device}`, status, resolution: '160x120', streams: { rtsp: `rtsp://h/${device}` }, recording: { active: recording } }));

describe('fleet view', () => {
  it('hosts (any prefix depth) with status, version and cameras from retained messages', () => {
    const v = new FleetView('camera-service');
    v.add('camera-service/b/status', b('offline'));
    v.add('camera-service/site/a/status', b('online'));
    v.add('camera-service/site/a/info', b('{"version":"1.2.3","hostname":"a"}'));
    v.add('camera-service/site/a/cameras/camera10/state', state('camera10', 'CONNECTED', false));
    v.add('camera-service/site/a/cameras/camera2/state', state('camera2', 'CONNECTED', true));
    v.add('camera-service/b/cameras/camera0/state', state('camera0', 'DISCONNECTED', false));
    const hosts = v.hosts();
    assert.deepEqual(hosts.map((h) => [h.prefix, h.hostname, h.status, h.version, h.cameras.map((c) => `${c.device}:${c.status}:${c.recording}`)]), [
      ['camera-service/b', null, 'offline', null, ['camera0:DISCONNECTED:false']],
      ['camera-service/site/a', 'a', 'online', '1.2.3', ['camera2:CONNECTED:true', 'camera10:CONNECTED:false']],
    ]);
    assert.match(renderFleet(hosts), /HOST\s+STATUS\s+VERSION/);
  });

  it('an empty state removes the camera; events and junk are classified, never thrown', () => {
    const v = new FleetView('r');
    v.add('r/h/cameras/camera0/state', state('camera0', 'CONNECTED', false));
    assert.deepEqual(v.add('r/h/cameras/camera0/state', b('')), { kind: 'camera', prefix: 'r/h', device: 'camera0', removed: true });
    assert.equal(v.hosts()[0]!.cameras.length, 0);
    assert.deepEqual(v.add('r/h/events/camera.connected', b('{"device":"camera0"}')), { kind: 'event', prefix: 'r/h', topic: 'camera.connected', params: { device: 'camera0' } });
    assert.deepEqual(v.add('r/h/cameras/camera1/state', b('{broken')), { kind: 'ignored' });
    assert.deepEqual(v.add('r/h/info', b('nope')), { kind: 'ignored' });
    assert.deepEqual(v.add('elsewhere/h/status', b('online')), { kind: 'ignored' });
    assert.equal(renderFleet([]), '(no hosts)');
  });
});
