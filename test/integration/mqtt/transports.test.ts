/**
 * The other ways to reach a broker, against a real mosquitto: MQTT over WebSocket (ws://), and
 * mqtts:// with a client certificate (cert_file/key_file) where the broker requires one.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { needMosquitto, startBroker, subscriber } from '../../helpers/mosquitto.js';
import { startService } from '../../helpers/service.js';

describe('MQTT transports', () => {
  it('ws:// : the host publishes over a WebSocket listener', async (t) => {
    const bin = needMosquitto(t);
    if (!bin) return;
    const broker = await startBroker(bin, { websockets: true });
    t.after(() => broker.close());
    const prefix = `cs-test/${randomBytes(3).toString('hex')}/ws`;
    const svc = await startService({ mqtt: { url: broker.wsUrl, topic_prefix: prefix } });
    t.after(() => svc.stop());
    const sub = await subscriber(broker.url, [`${prefix}/status`]);
    t.after(() => sub.close());
    await sub.waitFor((m) => m.text === 'online', 15000, 'online over ws://');
  });

  it('protocol_version 4 (MQTT 3.1.1): state as with 5; command replies go to <prefix>/replies', async (t) => {
    const bin = needMosquitto(t);
    if (!bin) return;
    const broker = await startBroker(bin);
    t.after(() => broker.close());
    const prefix = `cs-test/${randomBytes(3).toString('hex')}/v311`;
    const svc = await startService({ mqtt: { url: broker.url, topic_prefix: prefix, protocol_version: 4, commands: true }, test_cameras: { patterns: [{ name: 'cfg', width: 160, height: 120, fps: 10 }] } });
    t.after(() => svc.stop());
    const sub = await subscriber(broker.url, [`${prefix}/#`]);
    t.after(() => sub.close());
    await sub.waitFor((m) => m.topic === `${prefix}/cameras/camera0/state` && m.text !== '', 15000, 'state over 3.1.1');
    // A 3.1.1 session sees no response topic, even from an MQTT 5 requester.
    await sub.client.publishAsync(`${prefix}/cameras/camera0/set/stream`, JSON.stringify({ state: 'bogus', id: 'v311' }), { qos: 1, properties: { responseTopic: `${prefix}-elsewhere` } });
    const reply = await sub.waitFor((m) => m.topic === `${prefix}/replies`, 15000, 'reply on <prefix>/replies');
    assert.deepEqual([reply.json().id, reply.json().error.code], ['v311', -32602]);
  });

  it('mqtts:// with a client certificate; without one the broker refuses the host', async (t) => {
    const bin = needMosquitto(t);
    if (!bin) return;
    const broker = await startBroker(bin, { tls: true, clientCertificates: true });
    t.after(() => broker.close());
    const tls = broker.tls!;
    const prefix = `cs-test/${randomBytes(3).toString('hex')}/cert`;
    const svc = await startService({ mqtt: { url: broker.url, topic_prefix: prefix, ca_file: tls.ca, cert_file: tls.clientCert, key_file: tls.clientKey } });
    t.after(() => svc.stop());
    const sub = await subscriber(broker.url, [`${prefix}/status`], { ca: readFileSync(tls.ca), cert: readFileSync(tls.clientCert), key: readFileSync(tls.clientKey) });
    t.after(() => sub.close());
    await sub.waitFor((m) => m.text === 'online', 15000, 'online with a client certificate');

    // No client certificate: the TLS handshake fails; the service runs on and keeps retrying.
    const bare = await startService({ mqtt: { url: broker.url, topic_prefix: `${prefix}-bare`, ca_file: tls.ca, reconnect_min_ms: 100, reconnect_max_ms: 200 } });
    t.after(() => bare.stop());
    await bare.waitForLog((l) => l.msg === 'mqtt broker unreachable; reconnecting', 15000);
    assert.ok(!bare.logs.some((l) => l.msg === 'mqtt connected'));
    assert.equal((await fetch(`${bare.httpUrl}/health/ready`)).status, 200, 'the broker does not decide readiness');

    // A cert_file without key_file, or an unreadable file, stops the daemon with exit code 2 naming the key.
    // (In a directory of the test's own: a service that never got ready is not stopped by the helper.)
    const dir = mkdtempSync(join(tmpdir(), 'camera-service-test-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    await assert.rejects(startService({ mqtt: { url: broker.url, cert_file: tls.clientCert } }, { dir }), /exited with 2 .*mqtt\.cert_file and mqtt\.key_file go together/s);
    await assert.rejects(startService({ mqtt: { url: broker.url, ca_file: '/nonexistent/ca.pem' } }, { dir }), /exited with 2 .*mqtt\.ca_file: \/nonexistent\/ca\.pem cannot be read \(ENOENT\)/s);
  });
});
