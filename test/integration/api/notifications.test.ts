/**
 * Notification fan-out through the real WebSocket server, dispatcher and event methods
 * (in-process, real sockets; events are injected where discovery would emit them).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import type { Identity } from '../../../src/api/auth/authenticator.js';
import { eventMethods } from '../../../src/api/methods/events.js';
import { systemMethods } from '../../../src/api/methods/system.js';
import { AfterReplySink, Notifier } from '../../../src/api/notifications.js';
import { Dispatcher } from '../../../src/api/rpc/dispatcher.js';
import { MethodRegistry } from '../../../src/api/rpc/registry.js';
import { defineMethod } from '../../../src/api/rpc/registry.js';
import { RpcWebSocketServer } from '../../../src/api/ws-server.js';
import { CameraServiceClient } from '../../../src/client/index.js';
import { t } from '../../../src/lib/schema.js';
import WebSocket from 'ws';
import { Metrics } from '../../../src/observability/metrics.js';

let server: http.Server;
let wss: RpcWebSocketServer;
let notifier: Notifier;
let url = '';

/** Every session authenticates as a viewer named by its token. */
const systemStub: Parameters<typeof systemMethods>[0] = {
  authenticate: async (token): Promise<Identity> => ({ userId: token, role: 'viewer', expiresAt: Date.now() + 3_600_000, method: 'jwt' }),
  serverInfo: { name: 't', version: '0', build_date: '', capabilities: [], supported_formats: [], max_cameras: 1 },
  systemStatus: () => ({ status: 'ready', message: '', available_cameras: [], discovery_active: false }),
};

/** The WebSocket server's options both servers here share. */
function serverOptions(registry: MethodRegistry) {
  return { path: '/ws', maxPayload: 1024 * 1024, heartbeatMs: 30_000, dispatcher: new Dispatcher(registry), metrics: new Metrics(), log: pino({ level: 'silent' }) };
}

before(async () => {
  const registry = new MethodRegistry();
  registry.add(
    ...systemMethods(systemStub),
    ...eventMethods({ sessions: () => wss.sessions() }),
  );
  wss = new RpcWebSocketServer({ ...serverOptions(registry), limits: { maxConnectionsPerIp: 1000, maxConnections: 1000 } });
  notifier = new Notifier(wss);
  server = http.createServer();
  wss.attach(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`;
});
after(async () => {
  await wss.close();
  server.close();
});

async function clients(n: number): Promise<CameraServiceClient[]> {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const c = await CameraServiceClient.connect(url);
      await c.authenticate(`user-${i}`);
      return c;
    }),
  );
}

describe('notifications', () => {
  it('200 clients all receive one event', async () => {
    const list = await clients(200);
    const got = list.map((c) => c.waitForNotification('camera_status_update', (p) => p.device === 'camera7', 10_000));
    assert.equal(notifier.broadcast('camera_status_update', { device: 'camera7', status: 'CONNECTED' }), 200);
    const params = await Promise.all(got);
    assert.ok(params.every((p) => p.status === 'CONNECTED'));
    await Promise.all(list.map((c) => c.close()));
  });

  it('a subscriber with filters.device gets only that camera\'s events', async () => {
    const [filtered, all, none] = await clients(3);
    assert.deepEqual(await filtered!.call('subscribe_events', { topics: ['camera.connected'], filters: { device: 'camera1' } }), {
      subscribed: true,
      topics: ['camera.connected'],
      filters: { device: 'camera1' },
    });
    await all!.call('subscribe_events', { topics: ['camera.connected'] });
    const seen = { filtered: [] as string[], all: [] as string[], none: [] as string[] };
    filtered!.onNotification('camera.connected', (p) => seen.filtered.push(p.device));
    all!.onNotification('camera.connected', (p) => seen.all.push(p.device));
    none!.onNotification('camera.connected', (p) => seen.none.push(p.device));
    const lastForAll = all!.waitForNotification('camera.connected', (p) => p.device === 'camera2');
    const lastForFiltered = filtered!.waitForNotification('camera.connected', (p) => p.device === 'camera1');
    for (const device of ['camera0', 'camera1', 'camera2']) notifier.publish('camera.connected', { name: device }, device);
    await Promise.all([lastForAll, lastForFiltered]);
    // Each socket gets its messages in order, and a ping answered after the events proves none is still coming.
    await Promise.all([filtered!.call('ping'), none!.call('ping')]);
    assert.deepEqual(seen, { filtered: ['camera1'], all: ['camera0', 'camera1', 'camera2'], none: [] });
    const stats = (await all!.call('get_subscription_stats')) as { global_stats: { topic_counts: Record<string, number> } };
    assert.equal(stats.global_stats.topic_counts['camera.connected'], 2);
    await Promise.all([filtered!.close(), all!.close(), none!.close()]);
  });

  it('a client that stops reading does not delay the others and is closed with 1013', async (t) => {
    const fast = await clients(3);
    const [slow] = await clients(1);
    const slowClosed = new Promise<number>((resolve) => slow!.once('close', (code) => resolve(code)));
    slow!.socket.pause();
    const payload = 'x'.repeat(256 * 1024);
    let worst = 0;
    let sent = 0;
    for (;;) {
      const got = fast.map((c) => c.waitForNotification('recording_status_update', (p) => p.seq === sent, 5000));
      const t0 = performance.now();
      const recipients = notifier.broadcast('recording_status_update', { seq: sent, pad: payload });
      await Promise.all(got);
      worst = Math.max(worst, performance.now() - t0);
      sent++;
      if (recipients === fast.length) break; // the slow client was skipped (and is being closed)
      assert.equal(recipients, fast.length + 1);
      assert.ok(sent < 400, 'the slow client was never cut off');
    }
    t.diagnostic(`slow client cut off after ${sent} events of 256 KiB; worst delivery to the others ${worst.toFixed(1)} ms`);
    assert.ok(worst < 1000, `the others received each event within the same second (worst ${worst.toFixed(1)} ms)`);
    slow!.socket.resume();
    assert.equal(await slowClosed, 1013);
    // Fan-out goes on for the others.
    const again = fast.map((c) => c.waitForNotification('recording_status_update', (p) => p.seq === -1));
    assert.equal(notifier.broadcast('recording_status_update', { seq: -1 }), fast.length);
    await Promise.all(again);
    await Promise.all(fast.map((c) => c.close()));
  });
});

describe('notifications and replies (the service\'s AfterReplySink)', () => {
  it('a method\'s own notifications follow its reply; one raised while no reply is pending is written at once', async (tc) => {
    const registry = new MethodRegistry();
    let sink: AfterReplySink;
    let notifier2: Notifier;
    const poke = (params: { seq: number }) => (notifier2.broadcast('recording_status_update', { seq: params.seq }), 'poked');
    registry.add(
      ...systemMethods(systemStub),
      defineMethod({ name: 'poke', minRole: 'viewer', summary: 'notifies, then answers', params: t.object({ seq: t.integer() }), result: t.string(), handler: poke }),
      defineMethod({
        name: 'poke_later',
        minRole: 'viewer',
        summary: 'notifies after an await, then answers',
        params: t.object({ seq: t.integer() }),
        result: t.string(),
        handler: async (params: { seq: number }) => (await new Promise((r) => setImmediate(r)), poke(params)),
      }),
    );
    const server2 = new RpcWebSocketServer({ ...serverOptions(registry), replyPending: () => sink.replyPending() });
    sink = new AfterReplySink(server2);
    notifier2 = new Notifier(sink);
    const httpServer = http.createServer();
    server2.attach(httpServer);
    await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r));
    tc.after(async () => {
      await server2.close();
      httpServer.close();
    });
    const ws = new WebSocket(`ws://127.0.0.1:${(httpServer.address() as AddressInfo).port}/ws`);
    const frames: { id?: number; method?: string; result?: unknown; params?: { seq: number } }[] = [];
    ws.on('message', (data) => frames.push(JSON.parse(String(data))));
    await new Promise((r) => ws.once('open', r));
    const until = async (n: number) => {
      while (frames.length < n) await new Promise((r) => ws.once('message', r));
    };
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'authenticate', params: { auth_token: 'u' } }));
    await until(1);
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'poke', params: { seq: 1 } }));
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'poke_later', params: { seq: 2 } }));
    await until(5);
    assert.deepEqual(
      frames.slice(1).map((f) => (f.id !== undefined ? `reply ${f.id}` : `${f.method} ${f.params?.seq}`)),
      ['reply 2', 'recording_status_update 1', 'reply 3', 'recording_status_update 2'],
    );
    // No reply pending: written before broadcast returns (it counts the one recipient).
    const next = new Promise((r) => ws.once('message', r));
    assert.equal(notifier2.broadcast('recording_status_update', { seq: 3 }), 1);
    await next;
    assert.equal(frames.at(-1)?.params?.seq, 3);
  });
});
