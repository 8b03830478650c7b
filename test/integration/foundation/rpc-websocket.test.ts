/** The JSON-RPC core over a real WebSocket, against the real daemon with a managed MediaMTX. */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { RpcCallError } from '../../../src/client/index.js';
import { SECRET, startService, type RunningService } from '../../helpers/service.js';

let svc: RunningService;
before(async () => {
  svc = await startService();
});
after(async () => {
  await svc?.stop();
});

async function rawSocket(): Promise<WebSocket> {
  const ws = new WebSocket(svc.wsUrl);
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  return ws;
}
const nextMessage = (ws: WebSocket) => new Promise<any>((resolve) => ws.once('message', (d) => resolve(JSON.parse(d.toString()))));
const closed = (ws: WebSocket) => new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
const rpcCode = async (p: Promise<unknown>) => p.then(() => 0, (e: RpcCallError) => e.code);

describe('WebSocket JSON-RPC', () => {
  it('answers ping before authentication', async () => {
    const c = await svc.client();
    assert.equal(await c.call('ping'), 'pong');
    await c.close();
  });

  it('-32001 for other methods before authentication', async () => {
    const c = await svc.client();
    for (const m of ['get_camera_list', 'get_server_info', 'get_system_status'] as const) assert.equal(await rpcCode(c.call(m)), -32001, m);
    await c.close();
  });

  it('a viewer JWT authenticates; the empty registry lists no cameras', async () => {
    const c = await svc.client();
    const auth = await c.authenticate(await svc.token('viewer'));
    assert.equal(auth.authenticated, true);
    assert.equal(auth.role, 'viewer');
    assert.deepEqual(auth.permissions, ['view']);
    assert.ok(Date.parse(auth.expires_at!) > Date.now());
    assert.equal(typeof auth.session_id, 'string');
    assert.deepEqual(await c.call('get_camera_list'), { cameras: [], total: 0, connected: 0 });
    await c.close();
  });

  it('admin and operator tokens carry their permissions', async () => {
    const c = await svc.client();
    assert.deepEqual((await c.authenticate(await svc.token('operator'))).permissions, ['view', 'control']);
    assert.deepEqual((await c.authenticate(await svc.token('admin'))).permissions, ['view', 'control', 'admin']);
    await c.close();
  });

  it('get_server_info and get_system_status report real values', async () => {
    const c = await svc.client('viewer');
    const info = await c.call('get_server_info');
    assert.equal(info.name, 'camera-service');
    assert.match(info.version, /^\d+\.\d+\.\d+/);
    assert.equal(info.go_version, `node ${process.version}`);
    assert.equal(info.architecture, process.arch);
    assert.ok(!Number.isNaN(Date.parse(info.build_date)));
    const status = await c.call('get_system_status');
    assert.equal(status.status, 'ready');
    assert.deepEqual(status.available_cameras, []);
    await c.close();
  });

  it('rejects expired, wrongly signed and alg:none tokens with -32001 and a reason', async () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const hs = (payload: object, secret: string) => {
      const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
      return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
    };
    const tokens: [string, RegExp][] = [
      [hs({ role: 'admin', user_id: 'u', iat: now - 60, exp: now - 1 }, SECRET), /expired/],
      [hs({ role: 'admin', user_id: 'u', iat: now, exp: now + 60 }, 'another-secret-another-secret-another'), /signature/],
      [`${b64({ alg: 'none' })}.${b64({ role: 'admin', user_id: 'u', exp: now + 60 })}.`, /algorithm|malformed/],
    ];
    const c = await svc.client();
    for (const [token, reason] of tokens) {
      await assert.rejects(c.authenticate(token), (e: RpcCallError) => e.code === -32001 && reason.test(String(e.data?.reason)));
      assert.equal(await rpcCode(c.call('get_camera_list')), -32001);
    }
    await c.close();
  });

  it('-32700, -32600 and batches over the wire', async () => {
    const ws = await rawSocket();
    ws.send('{not json');
    assert.equal((await nextMessage(ws)).error.code, -32700);
    ws.send('[]');
    assert.equal((await nextMessage(ws)).error.code, -32600);
    ws.send(Buffer.from('{"jsonrpc":"2.0","method":"ping","id":1}'), { binary: true });
    assert.equal((await nextMessage(ws)).error.code, -32600);
    ws.send(JSON.stringify([{ jsonrpc: '2.0', method: 'ping', id: 'a' }, { jsonrpc: '2.0', method: 'ping' }, { jsonrpc: '2.0', method: 'nope', id: 7 }]));
    const batch = await nextMessage(ws);
    assert.deepEqual(batch.map((r: any) => [r.id, r.result ?? r.error.code]), [['a', 'pong'], [7, -32601]]);
    ws.close();
  });

  it('closes a connection that sends a frame over max_payload_bytes with 1009', async () => {
    const ws = await rawSocket();
    const code = closed(ws);
    ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'ping', params: { pad: 'x'.repeat(1024 * 1024) }, id: 1 }));
    assert.equal(await code, 1009);
    // The server is unaffected.
    const c = await svc.client();
    assert.equal(await c.call('ping'), 'pong');
    await c.close();
  });

  it('refuses upgrades on other paths', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${svc.port}/other`);
    const err = await new Promise<Error>((resolve) => ws.once('error', resolve));
    assert.match(err.message, /404/);
  });

  it('serves /health/live, /health/ready and /metrics', async () => {
    assert.equal((await fetch(`${svc.httpUrl}/health/live`)).status, 200);
    const ready = await fetch(`${svc.httpUrl}/health/ready`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready' });
    const c = await svc.client();
    await c.call('ping');
    const metrics = await (await fetch(`${svc.httpUrl}/metrics`)).text();
    assert.match(metrics, /camera_service_rpc_duration_seconds_count\{method="ping",outcome="ok"\} [1-9]/);
    assert.match(metrics, /camera_service_websocket_connections [1-9]/);
    assert.match(metrics, /camera_service_mediamtx_up 1/);
    assert.match(metrics, /camera_service_websocket_connections_total [1-9]/);
    assert.match(metrics, /camera_service_websocket_disconnects_total\{reason="oversize_message"\} 1/);
    assert.match(metrics, /camera_service_websocket_disconnects_total\{reason="client_close"\} [1-9]/);
    await c.close();
    assert.equal((await fetch(`${svc.httpUrl}/nope`)).status, 404);
  });
});

describe('access to /metrics and /health', () => {
  it('metrics_access: authenticated answers 401 without credentials and 200 with a token', async (t) => {
    const guardedSvc = await startService({ server: { metrics_access: 'authenticated', health_access: 'localhost' } });
    t.after(() => guardedSvc.stop());
    const res = await fetch(`${guardedSvc.httpUrl}/metrics`);
    assert.equal(res.status, 401);
    const ok = await fetch(`${guardedSvc.httpUrl}/metrics`, { headers: { authorization: `Bearer ${await guardedSvc.token('viewer')}` } });
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /camera_service_websocket_connections/);
    assert.equal((await fetch(`${guardedSvc.httpUrl}/health/ready`)).status, 200, 'loopback clients pass the localhost policy');
  });
});

