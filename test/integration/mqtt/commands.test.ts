/**
 * Commands over MQTT against a real mosquitto and the real daemon: a command starts and stops a
 * real recording and takes a snapshot whose JPEG is published; replies on the MQTT 5 response
 * topic with correlation data, or on <prefix>/replies for MQTT 3.1.1; bad payloads, unknown
 * cameras and commands, a wrong token and commands while disabled are refused with a clear
 * reply and change nothing.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { METRIC_FAMILIES } from '../../../src/observability/metric-names.js';
import { needMosquitto, startBroker, subscriber, type Subscriber } from '../../helpers/mosquitto.js';
import { startService } from '../../helpers/service.js';

const small = { width: 160, height: 120, fps: 10 };
const TOKEN = 'cmd-token-0123456789';

interface Reply {
  camera: string;
  command: string;
  id?: string | number;
  result?: any;
  error?: { code: number; message: string; data: { reason: string } };
}

/** Publishes a command with an MQTT 5 response topic and correlation data; resolves with the reply. */
async function command(sub: Subscriber, replyTopic: string, topic: string, payload: string | Buffer, userProperties?: Record<string, string>): Promise<Reply> {
  const correlation = randomUUID();
  const reply = sub.waitFor((m) => m.topic === replyTopic && Buffer.from((m.properties?.correlationData as Buffer | undefined) ?? []).toString() === correlation, 30000, `reply to ${topic} ${payload.toString()}`);
  await sub.client.publishAsync(topic, payload, { qos: 1, properties: { responseTopic: replyTopic, correlationData: Buffer.from(correlation), ...(userProperties ? { userProperties } : {}) } });
  return (await reply).json() as Reply;
}

describe('MQTT commands', () => {
  it('record ON/OFF makes a real recording, snapshot publishes the JPEG; errors are answered and change nothing', async (t) => {
    const bin = needMosquitto(t);
    if (!bin) return;
    const broker = await startBroker(bin);
    t.after(() => broker.close());
    const prefix = `cs-test/${randomBytes(3).toString('hex')}/cmd`;
    const svc = await startService({
      mqtt: { url: broker.url, topic_prefix: prefix, commands: true, command_token: TOKEN },
      test_cameras: { patterns: [{ name: 'cfg', ...small }] },
    });
    t.after(() => svc.stop());
    const sub = await subscriber(broker.url, [`${prefix}/#`, `replies-${prefix}/#`]);
    t.after(() => sub.close());
    await sub.waitFor((m) => m.topic === `${prefix}/cameras/camera0/state` && m.text !== '', 15000, 'camera0 state');
    const replyTopic = `replies-${prefix}/${randomUUID()}`;
    const set = (cmd: string, camera = 'camera0') => `${prefix}/cameras/${camera}/set/${cmd}`;
    const viewer = await svc.client('viewer');
    t.after(() => viewer.close());

    // Refusals first: none of them may start anything.
    const refusals: [string, string, number, Record<string, string>?][] = [
      [set('record'), 'MAYBE', -32602],
      [set('record'), JSON.stringify({ state: 'ON', duration: 'long', token: TOKEN }), -32602], // the method's own param check
      [set('record'), '{"state": "ON", "colour": 1}', -32602],
      [set('record'), '{not json', -32602],
      [set('record'), '[1,2]', -32602],
      [set('record'), 'ON', -32001], // no token
      [set('record'), JSON.stringify({ state: 'ON', token: 'wrong' }), -32001],
      [set('record', 'camera9'), JSON.stringify({ state: 'ON', token: TOKEN }), -32010],
      [set('record', 'videoX'), JSON.stringify({ state: 'ON', token: TOKEN }), -32602],
      [set('explode'), JSON.stringify({ token: TOKEN }), -32601],
      [set('record'), JSON.stringify({ state: 'OFF', token: TOKEN }), -32020], // not recording
      [set('snapshot'), 'NOW', -32602],
    ];
    for (const [topic, payload, code, props] of refusals) {
      const r = await command(sub, replyTopic, topic, payload, props);
      assert.equal(r.error?.code, code, `${topic} ${payload}: ${JSON.stringify(r)}`);
      assert.equal(typeof r.error?.data.reason, 'string');
    }
    // Binary garbage is refused too, and the bridge still answers afterwards.
    const garbage = await command(sub, replyTopic, set('record'), Buffer.from([0xff, 0xfe, 0x00, 0x80]));
    assert.ok(garbage.error, JSON.stringify(garbage));
    assert.equal((await viewer.call('list_recordings')).total, 0, 'no refused command recorded anything');

    // record ON with the token as an MQTT 5 user property.
    const started = viewer.waitForNotification('recording_status_update', (p: { device: string; status: string }) => p.device === 'camera0' && p.status === 'STARTED');
    const on = await command(sub, replyTopic, set('record'), 'ON', { token: TOKEN });
    assert.equal(on.result?.status, 'RECORDING', JSON.stringify(on));
    assert.deepEqual([on.camera, on.command], ['camera0', 'record']);
    await started;
    await sub.waitFor((m) => m.topic === `${prefix}/cameras/camera0/state` && m.text !== '' && m.json().recording.active === true, 10000, 'state: recording');
    await sub.waitFor((m) => m.topic === `${prefix}/events/recording.start`, 10000, 'recording.start event');
    const busy = await command(sub, replyTopic, set('record'), JSON.stringify({ state: 'ON', token: TOKEN }));
    assert.equal(busy.error?.code, -32020, 'already recording');

    // The reply comes at once; the file is finished a moment later, reported by recording_status_update.
    const finished = viewer.waitForNotification('recording_status_update', (p: { device: string; status: string; file_size?: number }) => p.device === 'camera0' && p.status === 'STOPPED', 30000);
    const off = await command(sub, replyTopic, set('record'), JSON.stringify({ state: 'OFF', token: TOKEN, id: 'req-7' }));
    assert.equal(off.result?.status, 'STOPPED', JSON.stringify(off));
    assert.equal(off.id, 'req-7');
    assert.ok(((await finished).file_size ?? 0) > 0, 'the recording has data');
    const file = join(svc.config.storage.recordings_path, off.result.filename);
    assert.ok(existsSync(file) && statSync(file).size > 0, `${file} exists`);
    await sub.waitFor((m) => m.topic === `${prefix}/cameras/camera0/state` && m.text !== '' && m.json().recording.active === false && sub.messages.indexOf(m) > sub.messages.findIndex((x) => x.topic.endsWith('/events/recording.start')), 10000, 'state: not recording');

    // snapshot (Home Assistant's button payload) → result and the JPEG on the snapshot topic.
    const snap = await command(sub, replyTopic, set('snapshot'), 'PRESS', { token: TOKEN });
    assert.equal(snap.result?.status, 'SUCCESS', JSON.stringify(snap));
    const image = await sub.waitFor((m) => m.topic === `${prefix}/cameras/camera0/snapshot` && m.payload.length > 0, 10000, 'snapshot image');
    assert.deepEqual([...image.payload.subarray(0, 3)], [0xff, 0xd8, 0xff], 'a JPEG');

    // stream start/stop through the same methods.
    const streamOn = await command(sub, replyTopic, set('stream'), JSON.stringify({ state: 'start', token: TOKEN }));
    assert.equal(streamOn.result?.status, 'STARTED', JSON.stringify(streamOn));
    const streamOff = await command(sub, replyTopic, set('stream'), JSON.stringify({ state: 'stop', token: TOKEN }));
    assert.equal(streamOff.result?.status, 'STOPPED', JSON.stringify(streamOff));

    // MQTT 3.1.1: no response topic → the reply goes to <prefix>/replies with the request id.
    const v3 = await subscriber(broker.url, [`${prefix}/replies`], { protocolVersion: 4 });
    t.after(() => v3.close());
    const v3reply = v3.waitFor((m) => m.json().id === 42, 15000, 'v3.1.1 reply');
    await v3.client.publishAsync(set('record', 'camera9'), JSON.stringify({ state: 'ON', token: TOKEN, id: 42 }), { qos: 1 });
    assert.equal((await v3reply).json().error.code, -32010);
    assert.equal(svc.proc.exitCode, null, 'the service is alive');

    // The bridge's metric families, as listed in metric-names.ts (type and labels).
    const metrics = await (await fetch(`${svc.httpUrl}/metrics`)).text();
    for (const family of METRIC_FAMILIES.filter((f) => f.from === 'mqtt')) {
      assert.match(metrics, new RegExp(`^# TYPE ${family.name} ${family.type}$`, 'm'), family.name);
      for (const line of metrics.split('\n').filter((l) => l.startsWith(`${family.name}{`))) {
        assert.deepEqual([...line.slice(line.indexOf('{') + 1, line.indexOf('}')).matchAll(/(\w+)="/g)].map((m) => m[1]).sort(), [...family.labels].sort(), line);
      }
    }
    assert.match(metrics, /^camera_service_mqtt_commands_total\{command="record",outcome="ok"\} 2$/m);
    assert.match(metrics, /^camera_service_mqtt_commands_total\{command="unknown",outcome="refused"\} 1$/m);
    assert.match(metrics, /^camera_service_mqtt_connected 1$/m);
  });

  it('commands disabled (the default) → every command is refused with -32030 and nothing runs; a retained command is never run', async (t) => {
    const bin = needMosquitto(t);
    if (!bin) return;
    const broker = await startBroker(bin);
    t.after(() => broker.close());
    const prefix = `cs-test/${randomBytes(3).toString('hex')}/nocmd`;
    const replyTopic = `replies-${prefix}`;
    const sub = await subscriber(broker.url, [`${prefix}/#`, replyTopic]);
    t.after(() => sub.close());
    // A retained command left on the broker is not run when the host (re)subscribes: were it
    // handled, its refusal (synchronous, like every refusal) would be answered first.
    await sub.client.publishAsync(`${prefix}/cameras/camera0/set/record`, JSON.stringify({ state: 'ON', id: 'retained' }), { qos: 1, retain: true });
    const svc = await startService({ mqtt: { url: broker.url, topic_prefix: prefix }, test_cameras: { patterns: [{ name: 'cfg', ...small }] } });
    t.after(() => svc.stop());
    await sub.waitFor((m) => m.topic === `${prefix}/status` && m.text === 'online', 15000, 'online');
    const r = await command(sub, replyTopic, `${prefix}/cameras/camera0/set/record`, 'ON');
    assert.equal(r.error?.code, -32030, JSON.stringify(r));
    assert.match(r.error!.data.reason, /mqtt\.commands/);
    assert.deepEqual(sub.messages.filter((m) => m.topic === `${prefix}/replies` || m.topic === replyTopic).map((m) => m.json().id ?? null), [null], 'one reply: to the live command only');
    const viewer = await svc.client('viewer');
    t.after(() => viewer.close());
    assert.equal((await viewer.call('list_recordings')).total, 0);
  });
});
