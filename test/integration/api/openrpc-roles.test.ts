/**
 * Against the real daemon: the served OpenRPC document (valid, complete, equal to
 * rpc.discover), the role matrix generated from it, results that match their published
 * schemas, and get_status / get_metrics / system_health_update measured on a real MediaMTX.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ValidateFunction } from 'ajv';
import type { OpenRpcDocument, OpenRpcMethod } from '../../../src/api/openrpc.js';
import { overallHealth } from '../../../src/api/health/status.js';
import { referenceDocument } from '../../../src/app/reference-doc.js';
import { CameraServiceClient, RpcCallError } from '../../../src/client/index.js';
import { processesMatching, startService, until, type RunningService } from '../../helpers/service.js';
import { newAjv, openRpcProblems } from '../../unit/api/openrpc-meta.js';

type Role = 'viewer' | 'operator' | 'admin';
const RANK: Record<string, number> = { none: 0, viewer: 1, operator: 2, admin: 3 };

let svc: RunningService;
let doc: OpenRpcDocument;
before(async () => {
  svc = await startService();
  doc = (await (await fetch(`${svc.httpUrl}/openrpc.json`)).json()) as OpenRpcDocument;
});
after(async () => {
  await svc?.stop();
});

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: RpcCallError) => e);

describe('OpenRPC document over the wire', () => {
  it('GET /openrpc.json validates against the OpenRPC meta-schema and equals rpc.discover', async () => {
    assert.deepEqual(openRpcProblems(doc), []);
    const c = await svc.client();
    assert.deepEqual(await c.call('rpc.discover'), doc, 'rpc.discover works before authentication and serves the same document');
    await c.close();
  });

  it('lists exactly the methods the daemon\'s registry holds', () => {
    assert.deepEqual(
      doc.methods.map((m) => m.name),
      referenceDocument().methods.map((m) => m.name),
    );
  });
});

describe('role matrix (generated from the registry)', () => {
  // An unknown param makes every call stop at validation, which runs after the auth gate:
  // allowed → -32602, denied → -32001/-32002. No handler runs.
  const PROBE = '__role_matrix_probe';
  const outcome = async (c: CameraServiceClient, m: OpenRpcMethod) => {
    const e = await failure(c.call(m.name, { [PROBE]: 1 }));
    assert.ok(e instanceof RpcCallError, `${m.name} answered a result to an unknown param`);
    return e;
  };

  for (const who of ['unauthenticated', 'viewer', 'operator', 'admin'] as const) {
    it(`every method as ${who}`, async () => {
      const c = await svc.client(who === 'unauthenticated' ? undefined : who);
      try {
        for (const m of doc.methods) {
          const need = m['x-required-role'];
          const allowed = RANK[who === 'unauthenticated' ? 'none' : who]! >= RANK[need]!;
          const e = await outcome(c, m);
          if (allowed) {
            assert.equal(e.code, -32602, `${who} → ${m.name} (needs ${need}) should pass the gate`);
            const required = m.params.filter((p) => p.required).map((p) => p.name);
            assert.ok(e.data?.param === PROBE || required.includes(String(e.data?.param)), `${m.name}: ${JSON.stringify(e.data)}`);
          } else if (who === 'unauthenticated') {
            assert.equal(e.code, -32001, `${who} → ${m.name}`);
            assert.ok(e.data?.reason);
          } else {
            assert.equal(e.code, -32002, `${who} → ${m.name}`);
            assert.deepEqual([e.data?.required_role, e.data?.have_role], [need, who]);
          }
        }
      } finally {
        await c.close();
      }
    });
  }
});

describe('conformance', () => {
  const validators = new Map<string, ValidateFunction>();
  const ajv = newAjv();
  const check = (m: string, result: unknown) => {
    let v = validators.get(m);
    if (!v) {
      v = ajv.compile(doc.methods.find((x) => x.name === m)!.result.schema);
      validators.set(m, v);
    }
    assert.ok(v(result), `${m}: ${JSON.stringify(v.errors)} in ${JSON.stringify(result).slice(0, 500)}`);
  };

  it('every parameterless read method answers a result matching its published schema', async () => {
    const c = await svc.client('admin');
    const readOnly = doc.methods.filter((m) => (m.name.startsWith('get_') || m.name === 'ping' || m.name === 'rpc.discover') && !m.params.some((p) => p.required));
    assert.ok(readOnly.length >= 8, readOnly.map((m) => m.name).join());
    for (const m of readOnly) check(m.name, await c.call(m.name));
    await c.close();
  });

  it('invalid params name the param and the rule', async () => {
    const c = await svc.client('admin');
    const tested = doc.methods.filter((x) => x.params.some((p) => p.required));
    assert.ok(tested.length >= 5);
    for (const m of tested) {
      const required = m.params.filter((p) => p.required);
      // Every required param of the wrong type (a string where a number is wanted, else a number).
      const wrong = Object.fromEntries(required.map((p) => [p.name, p.schema.type === 'string' ? 12345 : 'not-a-number']));
      const wrongType = await failure(c.call(m.name, wrong));
      assert.equal(wrongType?.code, -32602, m.name);
      assert.ok(required.some((p) => p.name === wrongType.data?.param), `${m.name}: ${JSON.stringify(wrongType.data)}`);
      assert.match(String(wrongType.data?.rule), /^type:/, m.name);
      const missing = await failure(c.call(m.name, {}));
      assert.equal(missing?.code, -32602, m.name);
      assert.deepEqual([missing.data?.param, missing.data?.rule], [required[0]!.name, 'required'], m.name);
      const unknown = await failure(c.call(m.name, { ...wrong, bogus_param: true }));
      assert.equal(unknown?.code, -32602, m.name);
    }
    await c.close();
  });

  it('camera settings methods: roles in the matrix, results matching their schemas (a test-pattern camera)', async () => {
    const roles = Object.fromEntries(doc.methods.filter((m) => /camera_(controls|mode)$/.test(m.name)).map((m) => [m.name, m['x-required-role']]));
    assert.deepEqual(roles, { get_camera_controls: 'viewer', set_camera_controls: 'operator', reset_camera_controls: 'operator', set_camera_mode: 'operator', reset_camera_mode: 'operator' });
    const c = await svc.client('admin');
    const { device } = await c.call('add_test_camera', { name: 'settings-schema', width: 320, height: 240, fps: 10 });
    check('get_camera_controls', await c.call('get_camera_controls', { device }));
    check('set_camera_mode', await c.call('set_camera_mode', { device, width: 160, height: 120, fps: 10 }));
    const status = await c.call('get_camera_status', { device });
    check('get_camera_status', status);
    assert.deepEqual(status.mode, { format: 'H264', width: 160, height: 120, fps: 10, source: 'operator' });
    check('reset_camera_mode', await c.call('reset_camera_mode', { device }));
    await c.call('remove_test_camera', { device });
    await c.close();
  });

  it('authenticate: result fields and types; failures are -32001 with a reason', async () => {
    const c = await svc.client();
    check('authenticate', await c.authenticate(await svc.token('operator')));
    const bad = await failure(c.call('authenticate', { auth_token: 'csk_000000000000_' + 'x'.repeat(43) }));
    assert.equal(bad?.code, -32001);
    assert.match(String(bad.data?.reason), /API key/);
    await c.close();
  });
});

describe('get_status and get_metrics on the real daemon', () => {
  it('components are measured and the status follows the documented rules', async () => {
    const c = await svc.client('admin');
    const s = await c.call('get_status');
    assert.equal(s.components.websocket_server, 'RUNNING');
    assert.equal(s.components.mediamtx, 'RUNNING');
    assert.equal(s.status, overallHealth(s.components as never));
    assert.ok(s.uptime > 0);
    const m = (await c.call('get_metrics')) as any;
    for (const k of ['cpu_usage', 'memory_usage', 'disk_usage'] as const) assert.ok(m.system_metrics[k] >= 0 && m.system_metrics[k] <= 100, k);
    assert.ok(m.system_metrics.memory_usage > 0 && m.system_metrics.disk_usage > 0, 'read from the OS');
    assert.ok(m.system_metrics.goroutines > 0);
    assert.equal(m.camera_metrics.connected_cameras, Object.values(m.camera_metrics.cameras).filter((x: any) => x.status === 'CONNECTED').length);
    await c.close();
  });

  it('system_health_update reaches subscribers when MediaMTX dies and when it is back', async () => {
    const admin = await svc.client('admin');
    const viewer = await svc.client('viewer');
    await admin.call('subscribe_events', { topics: ['system_health_update'] });
    const before = await admin.call('get_status');
    const down = admin.waitForNotification('system_health_update', (p) => p.components.mediamtx === 'ERROR', 10000);
    let viewerGot = 0;
    viewer.onNotification('system_health_update', () => viewerGot++);
    const [pid] = processesMatching(join(svc.dir, 'state', 'mediamtx.yml'));
    assert.ok(pid);
    process.kill(pid, 'SIGKILL');
    const d = await down;
    assert.equal(d.status, 'UNHEALTHY');
    assert.ok(!Number.isNaN(Date.parse(d.timestamp)));
    const up = await admin.waitForNotification('system_health_update', (p) => p.components.mediamtx === 'RUNNING', 15000);
    assert.equal(up.status, before.status);
    assert.equal(viewerGot, 0, 'only subscribers get it');
    await until(async () => (await admin.call('get_status')).components.mediamtx === 'RUNNING', 5000, 'get_status agrees');
    await Promise.all([admin.close(), viewer.close()]);
  });
});
