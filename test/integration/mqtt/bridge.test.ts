/**
 * The MQTT bridge against a real mosquitto and the real daemon: availability (retained online,
 * offline on shutdown, offline as Last Will after kill -9), retained camera state on connect,
 * state and events when cameras come and go, reconnect and republish after a broker restart,
 * Home Assistant discovery messages.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { killDaemonTree } from '../media/media-helpers.js';
import { needMosquitto, startBroker, subscriber } from '../../helpers/mosquitto.js';
import { startService } from '../../helpers/service.js';

const fastMqtt = (url: string, prefix: string, extra: Record<string, unknown> = {}) => ({
  mqtt: { url, topic_prefix: prefix, keepalive_s: 5, reconnect_min_ms: 100, reconnect_max_ms: 1000, ...extra },
});
const small = { width: 160, height: 120, fps: 10 };

describe('MQTT bridge', () => {
  it('retained online and camera state on connect; cameras added and removed → state and events; clean stop → offline', async (t) => {
    const bin = needMosquitto(t);
    if (!bin) return;
    const broker = await startBroker(bin);
    t.after(() => broker.close());
    const prefix = `cs-test/${randomBytes(3).toString('hex')}/host1`;
    const svc = await startService({ ...fastMqtt(broker.url, prefix), test_cameras: { patterns: [{ name: 'cfg', ...small }] } });
    t.after(() => svc.stop());
    const sub = await subscriber(broker.url, [`${prefix}/#`]);
    t.after(() => sub.close());

    await sub.waitFor((m) => m.topic === `${prefix}/status` && m.text === 'online', 15000, 'status online');
    const state0 = await sub.waitFor((m) => m.topic === `${prefix}/cameras/camera0/state` && m.text !== '', 15000, 'camera0 state');
    const doc = state0.json();
    assert.deepEqual(
      { device: doc.device, name: doc.name, status: doc.status, resolution: doc.resolution, fps: doc.fps, mode: doc.mode, recording: doc.recording },
      {
        device: 'camera0', name: 'Test pattern cfg', status: 'CONNECTED', resolution: '160x120', fps: 10,
        mode: { format: 'H264', width: 160, height: 120, fps: 10 },
        recording: { active: false, filename: null, format: null, start_time: null },
      },
    );
    assert.match(doc.streams.rtsp, new RegExp(`:${svc.rtspPort}/camera0$`));
    const info = (await sub.waitFor((m) => m.topic === `${prefix}/info`, 5000, 'host info')).json();
    assert.equal(typeof info.version, 'string');

    const admin = await svc.client('admin');
    t.after(() => admin.close());
    const ws = admin.waitForNotification('camera_status_update', (p: { device: string; status: string }) => p.device === 'camera1' && p.status === 'CONNECTED');
    await admin.call('add_test_camera', { name: 'live', ...small });
    const wsParams = await ws;
    const event = await sub.waitFor((m) => m.topic === `${prefix}/events/camera.connected` && m.json().device === 'camera1', 10000, 'camera.connected event');
    assert.equal(event.retain, false);
    const ev = event.json();
    assert.deepEqual({ ...ev, timestamp: typeof ev.timestamp }, { ...(wsParams as object), timestamp: 'string' }, 'the event carries the WebSocket notification params');
    await sub.waitFor((m) => m.topic === `${prefix}/cameras/camera1/state` && m.text !== '' && m.json().status === 'CONNECTED', 10000, 'camera1 state CONNECTED');

    await admin.call('remove_test_camera', { name: 'live' });
    await sub.waitFor((m) => m.topic === `${prefix}/events/camera.disconnected` && m.json().device === 'camera1', 10000, 'camera.disconnected event');
    await sub.waitFor((m) => m.topic === `${prefix}/cameras/camera1/state` && m.text !== '' && m.json().status === 'DISCONNECTED', 10000, 'camera1 state DISCONNECTED');

    // A late subscriber sees the retained picture of the host at once.
    const late = await subscriber(broker.url, [`${prefix}/status`, `${prefix}/cameras/+/state`]);
    t.after(() => late.close());
    await late.waitFor((m) => m.topic === `${prefix}/status` && m.retain && m.text === 'online', 5000, 'retained status');
    const lateState = await late.waitFor((m) => m.topic === `${prefix}/cameras/camera1/state` && m.retain, 5000, 'retained camera1 state');
    assert.equal(lateState.json().status, 'DISCONNECTED');

    const offline = sub.waitFor((m) => m.topic === `${prefix}/status` && m.text === 'offline', 15000, 'status offline after stop');
    await svc.stop();
    await offline;
    const after = await subscriber(broker.url, [`${prefix}/status`]);
    t.after(() => after.close());
    await after.waitFor((m) => m.topic === `${prefix}/status` && m.retain && m.text === 'offline', 5000, 'retained offline');
  });

  it('kill -9 of the service → the broker publishes the Last Will offline', async (t) => {
    const bin = needMosquitto(t);
    if (!bin) return;
    const broker = await startBroker(bin);
    t.after(() => broker.close());
    const prefix = `cs-test/${randomBytes(3).toString('hex')}/crash`;
    const svc = await startService(fastMqtt(broker.url, prefix));
    t.after(() => svc.stop());
    const sub = await subscriber(broker.url, [`${prefix}/status`]);
    t.after(() => sub.close());
    await sub.waitFor((m) => m.text === 'online', 15000, 'online');
    const offline = sub.waitFor((m) => m.text === 'offline', 20000, 'the Last Will');
    await killDaemonTree(svc);
    await offline;
    const after = await subscriber(broker.url, [`${prefix}/status`]);
    t.after(() => after.close());
    await after.waitFor((m) => m.retain && m.text === 'offline', 5000, 'retained Last Will');
  });

  it('broker restarted (retained messages lost) → the service reconnects and republishes status and state', async (t) => {
    const bin = needMosquitto(t);
    if (!bin) return;
    const broker = await startBroker(bin);
    t.after(() => broker.close());
    const prefix = `cs-test/${randomBytes(3).toString('hex')}/restart`;
    const svc = await startService({ ...fastMqtt(broker.url, prefix), test_cameras: { patterns: [{ name: 'cfg', ...small }] } });
    t.after(() => svc.stop());
    const first = await subscriber(broker.url, [`${prefix}/cameras/camera0/state`]);
    await first.waitFor((m) => m.text !== '', 15000, 'state before the restart');
    await first.close();

    await broker.stop();
    await svc.waitForLog((l) => l.msg === 'mqtt broker unreachable; reconnecting', 15000);
    // An event while the broker is away: queued, delivered after the reconnect.
    const admin = await svc.client('admin');
    t.after(() => admin.close());
    await admin.call('add_test_camera', { name: 'during', ...small });
    const connects = svc.logs.filter((l) => l.msg === 'mqtt connected').length;
    await broker.start();
    await svc.waitForLog((l) => l.msg === 'mqtt connected' && svc.logs.filter((x) => x.msg === 'mqtt connected').length > connects, 15000);

    // The broker kept nothing (no persistence): whatever arrives now was published again.
    // (This subscriber may be faster than the republishing, so the retain flag is checked after.)
    const sub = await subscriber(broker.url, [`${prefix}/#`]);
    t.after(() => sub.close());
    await sub.waitFor((m) => m.topic === `${prefix}/status` && m.text === 'online', 10000, 'republished status');
    const s0 = await sub.waitFor((m) => m.topic === `${prefix}/cameras/camera0/state`, 10000, 'republished camera0 state');
    assert.equal(s0.json().status, 'CONNECTED');
    const s1 = await sub.waitFor((m) => m.topic === `${prefix}/cameras/camera1/state`, 10000, 'state of the camera added while away');
    assert.equal(s1.json().name, 'Test pattern during');
    const late = await subscriber(broker.url, [`${prefix}/status`, `${prefix}/cameras/+/state`]);
    t.after(() => late.close());
    for (const topic of ['status', 'cameras/camera0/state', 'cameras/camera1/state']) await late.waitFor((m) => m.topic === `${prefix}/${topic}` && m.retain, 5000, `retained ${topic}`);
  });

  it('events while the broker is away are queued (oldest dropped beyond queue_max, counted) and delivered after the reconnect', async (t) => {
    const bin = needMosquitto(t);
    if (!bin) return;
    // A persistent broker and a persistent subscriber session: messages published while the
    // subscriber is still reconnecting are kept for it, so every delivery is observed.
    const broker = await startBroker(bin, { persistent: true });
    t.after(() => broker.close());
    const prefix = `cs-test/${randomBytes(3).toString('hex')}/queue`;
    const svc = await startService(fastMqtt(broker.url, prefix, { queue_max: 2 }));
    t.after(() => svc.stop());
    const sub = await subscriber(broker.url, [`${prefix}/events/#`], {
      clientId: `queue-sub-${randomBytes(3).toString('hex')}`,
      clean: false,
      properties: { sessionExpiryInterval: 600 },
    });
    t.after(() => sub.close());
    const admin = await svc.client('admin');
    t.after(() => admin.close());
    await admin.call('add_test_camera', { name: 'before', ...small });
    await sub.waitFor((m) => m.topic.endsWith('/events/camera.connected') && m.json().name === 'Test pattern before', 15000, 'a live event');

    await broker.stop();
    await svc.waitForLog((l) => l.msg === 'mqtt broker unreachable; reconnecting', 15000);
    // Three cameras, two events each (camera.connected, camera.status_change); the queue keeps the last two.
    for (const name of ['q1', 'q2', 'q3']) await admin.call('add_test_camera', { name, ...small });
    const seen = sub.messages.length;
    await broker.start();
    const last = await sub.waitFor((m) => m.topic.endsWith('/events/camera.connected') && m.json().name === 'Test pattern q3', 20000, 'the queued event of q3');
    const flushed = sub.messages.slice(seen, sub.messages.indexOf(last) + 1).map((m) => `${m.topic.split('/').pop()}:${m.json().name}`);
    assert.ok(!flushed.some((f) => f.endsWith(':Test pattern q1') || f.endsWith(':Test pattern q2')), `the oldest events were dropped: ${flushed.join(', ')}`);
    const metrics = await (await fetch(`${svc.httpUrl}/metrics`)).text();
    const dropped = Number(/^camera_service_mqtt_dropped_events_total (\d+)$/m.exec(metrics)?.[1]);
    assert.ok(dropped >= 4, `6 events into a queue of 2: at least 4 dropped, counted ${dropped}`);
  });

  it('Home Assistant discovery: per camera a device with camera, binary_sensor, switch and button via the host device; availability on the LWT topic', async (t) => {
    const bin = needMosquitto(t);
    if (!bin) return;
    const broker = await startBroker(bin);
    t.after(() => broker.close());
    const prefix = `cs-test/${randomBytes(3).toString('hex')}/ha`;
    const ha = `ha${randomBytes(3).toString('hex')}`;
    const svc = await startService({ ...fastMqtt(broker.url, prefix, { homeassistant: true, homeassistant_prefix: ha }), test_cameras: { patterns: [{ name: 'cfg', ...small }] } });
    t.after(() => svc.stop());
    const sub = await subscriber(broker.url, [`${ha}/#`]);
    t.after(() => sub.close());
    const kinds = ['camera', 'binary_sensor', 'switch', 'button'];
    const configs = await Promise.all(kinds.map((k) => sub.waitFor((m) => m.topic.startsWith(`${ha}/${k}/`) && m.topic.includes('camera0_'), 15000, `${k} discovery`)));
    const host = await sub.waitFor((m) => m.topic.endsWith('/host_online/config'), 15000, 'host discovery');
    const hostId = host.json().device.identifiers[0];
    for (const m of configs) {
      const p = m.json();
      assert.equal(p.device.via_device, hostId, `${m.topic}: via the host device`);
      assert.deepEqual(p.availability, [{ topic: `${prefix}/status`, payload_available: 'online', payload_not_available: 'offline' }]);
      assert.equal(p.device.identifiers.length, 1);
    }
    assert.equal(new Set(configs.map((m) => m.json().device.identifiers[0])).size, 1, 'one device per camera');
    assert.equal(configs[0]!.json().topic, `${prefix}/cameras/camera0/snapshot`);
    assert.equal(configs[2]!.json().command_topic, `${prefix}/cameras/camera0/set/record`);
  });
});
