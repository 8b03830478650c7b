/**
 * The bridge on a broker with TLS (a CA and server certificate made with openssl), password
 * authentication and the ACL file documented in the README: the host connects with ca_file,
 * user name and password_file; an operator may command, a viewer may only read (the broker
 * refuses its command, nothing runs), anonymous clients are refused.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadMqtt } from '../../../src/lib/deps/mqtt.js';
import { needMosquitto, startBroker, subscriber } from '../../helpers/mosquitto.js';
import { ROOT, startService } from '../../helpers/service.js';

/** The ACL of README "Many hosts", read from the README so the documented policy is the tested one. */
function readmeAcl(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('# /etc/mosquitto/camera-service.acl\n');
  assert.ok(start > 0, 'README has the mosquitto ACL example');
  return readme.slice(start, readme.indexOf('```', start));
}

describe('MQTT over TLS with users and an ACL', () => {
  it('host on mqtts:// with CA and password file; operator commands, viewer refused by the broker, anonymous refused', async (t) => {
    const bin = needMosquitto(t);
    if (!bin) return;
    const users = { camhost: 'host-pw-1', operator: 'op-pw-2', viewer: 'view-pw-3' };
    const broker = await startBroker(bin, { tls: true, users, acl: readmeAcl() });
    t.after(() => broker.close());
    assert.match(broker.url, /^mqtts:/);
    const pwFile = join(broker.dir, 'host-password');
    writeFileSync(pwFile, `${users.camhost}\n`);
    const prefix = 'camera-service/camhost';
    const svc = await startService({
      mqtt: { url: broker.url, topic_prefix: prefix, username: 'camhost', password_file: pwFile, ca_file: broker.tls!.ca, commands: true },
      test_cameras: { patterns: [{ name: 'cfg', width: 160, height: 120, fps: 10 }] },
    });
    t.after(() => svc.stop());
    const ca = readFileSync(broker.tls!.ca);
    const tls = { ca, rejectUnauthorized: true };

    const op = await subscriber(broker.url, ['camera-service/#', 'camera-service-replies/operator/#'], { ...tls, username: 'operator', password: users.operator });
    t.after(() => op.close());
    await op.waitFor((m) => m.topic === `${prefix}/status` && m.text === 'online', 15000, 'online over TLS');
    await op.waitFor((m) => m.topic === `${prefix}/cameras/camera0/state` && m.text !== '', 15000, 'state over TLS');
    assert.ok(!svc.logs.some((l) => JSON.stringify(l).includes(users.camhost)), 'the password is never logged');

    // The operator's command runs.
    const replyTopic = `camera-service-replies/operator/${randomUUID()}`;
    const correlationData = Buffer.from(randomUUID());
    const reply = op.waitFor((m) => m.topic === replyTopic, 30000, 'reply to the operator');
    await op.client.publishAsync(`${prefix}/cameras/camera0/set/record`, 'ON', { qos: 1, properties: { responseTopic: replyTopic, correlationData } });
    const r = await reply;
    assert.equal(r.json().result?.status, 'RECORDING', r.text);
    assert.deepEqual(r.properties?.correlationData, correlationData);

    // The viewer's command is refused by the broker (PUBACK "not authorized"); nothing runs.
    const viewer = await subscriber(broker.url, [], { ...tls, username: 'viewer', password: users.viewer });
    t.after(() => viewer.close());
    await assert.rejects(viewer.client.publishAsync(`${prefix}/cameras/camera0/set/snapshot`, 'PRESS', { qos: 1 }), /not authori[sz]ed/i);

    // Stop the recording (operator), then: the viewer's snapshot never happened.
    const off = op.waitFor((m) => m.topic === replyTopic && m.json().result?.status === 'STOPPED', 30000, 'stop reply');
    await op.client.publishAsync(`${prefix}/cameras/camera0/set/record`, 'OFF', { qos: 1, properties: { responseTopic: replyTopic, correlationData } });
    await off;
    const admin = await svc.client('viewer');
    t.after(() => admin.close());
    assert.equal((await admin.call('list_snapshots')).total, 0, 'the refused snapshot command did not run');

    // Anonymous and wrong-password clients are refused.
    for (const creds of [{}, { username: 'operator', password: 'wrong' }]) {
      const c = loadMqtt().connect(broker.url, { ...tls, ...creds, protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5000 });
      const err = await new Promise<Error>((resolve) => c.once('error', resolve));
      assert.match(err.message, /not authori[sz]ed|bad user name or password/i);
      await c.endAsync(true);
    }
  });
});
