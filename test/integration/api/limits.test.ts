/** Connection and request limits of the real daemon. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { CameraServiceClient } from '../../../src/client/index.js';
import { startService, until, type RunningService } from '../../helpers/service.js';

/** Opens a raw socket; resolves with it once open, or with the HTTP status of a refusal. */
function open(url: string, opts: { localAddress?: string; origin?: string } = {}): Promise<WebSocket | number> {
  const ws = new WebSocket(url, { localAddress: opts.localAddress, headers: opts.origin ? { origin: opts.origin } : {} });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.once('error', reject);
  });
}
const closed = (ws: WebSocket) => new Promise<number>((resolve) => (ws.readyState === WebSocket.CLOSED ? resolve(-1) : ws.once('close', (code) => resolve(code))));
/** Authenticates a raw connection; resolves with it once the reply is in. */
async function authed(ws: WebSocket, token: string): Promise<WebSocket> {
  const reply = new Promise<any>((resolve) => ws.once('message', (d) => resolve(JSON.parse(d.toString()))));
  ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'authenticate', params: { auth_token: token }, id: 'auth' }));
  assert.equal((await reply).result?.authenticated, true);
  return ws;
}
const closeAll = (list: WebSocket[]) => Promise.all(list.map((ws) => (ws.close(), closed(ws))));

describe('connection limits and Origin', () => {
  let svc: RunningService;
  before(async () => {
    svc = await startService({ limits: { max_connections: 3, max_connections_per_ip: 2, allowed_origins: ['https://ui.example'] } });
  });
  after(() => svc?.stop());

  it('429 over the per-address limit, 503 over the total; slots come back when clients leave', async () => {
    // Authenticated: a full house of unauthenticated connections would make room for a newcomer from
    // a fresh address (issue 15; see the admission tests below), authenticated ones never do.
    const token = await svc.token('viewer');
    const a1 = await authed((await open(svc.wsUrl)) as WebSocket, token);
    const a2 = await authed((await open(svc.wsUrl)) as WebSocket, token);
    assert.equal(await open(svc.wsUrl), 429, 'third from 127.0.0.1');
    const b1 = (await open(svc.wsUrl, { localAddress: '127.0.0.2' })) as WebSocket;
    assert.ok(b1 instanceof WebSocket, 'another address still gets in');
    await authed(b1, token);
    assert.equal(await open(svc.wsUrl, { localAddress: '127.0.0.3' }), 503, 'fourth overall');
    await closeAll([a1, a2, b1]);
    // The server notices the closed sockets; then the slots are free again.
    const again = await retryUntilOpen(svc.wsUrl);
    assert.ok(again instanceof WebSocket);
    await closeAll([again]);
  });

  it('a browser Origin must be listed; no Origin is fine', async () => {
    assert.equal(await open(svc.wsUrl, { origin: 'https://evil.example' }), 403);
    const ok = await open(svc.wsUrl, { origin: 'https://ui.example' });
    assert.ok(ok instanceof WebSocket);
    const none = await open(svc.wsUrl);
    assert.ok(none instanceof WebSocket);
    await closeAll([ok, none]);
  });
});

/** After clients close, the server may take a moment to see the sockets go: try until admitted. */
async function retryUntilOpen(url: string): Promise<WebSocket> {
  for (let i = 0; i < 100; i++) {
    const r = await open(url);
    if (r instanceof WebSocket) return r;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error('never admitted again');
}

describe('request rate and unauthenticated timeout', () => {
  let svc: RunningService;
  before(async () => {
    svc = await startService({ limits: { requests_per_second: 0.1, request_burst: 20, unauthenticated_timeout_s: 1 } });
  });
  after(() => svc?.stop());

  it('a batch counts per element: over the burst each request answers -32040 with retry_after_ms', async () => {
    const ws = (await open(svc.wsUrl)) as WebSocket;
    // Authenticated first: before authentication a batch is limited to a handful of requests (issue 15).
    const authed = new Promise<any>((resolve) => ws.once('message', (d) => resolve(JSON.parse(d.toString()))));
    ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'authenticate', params: { auth_token: await svc.token('viewer') }, id: 'a' }));
    assert.equal((await authed).result.authenticated, true);
    const reply = new Promise<any[]>((resolve) => ws.once('message', (d) => resolve(JSON.parse(d.toString()))));
    ws.send(JSON.stringify(Array.from({ length: 25 }, (_, i) => ({ jsonrpc: '2.0', method: 'ping', id: i }))));
    const r = await reply;
    assert.equal(r.length, 25);
    const ok = r.filter((x) => x.result === 'pong');
    const limited = r.filter((x) => x.error?.code === -32040);
    // The burst is 20 and authenticate took one token.
    assert.equal(ok.length, 19);
    assert.equal(limited.length, 6);
    for (const x of limited) {
      assert.ok(x.error.data.retry_after_ms > 0);
      assert.ok(x.error.data.reason);
      assert.equal(typeof x.id, 'number', 'ids are echoed');
    }
    // Another connection has its own bucket.
    const other = await CameraServiceClient.connect(svc.wsUrl);
    assert.equal(await other.call('ping'), 'pong');
    await other.close();
    ws.close();
  });

  it('a connection that does not authenticate is closed with 4001; an authenticated one stays', async () => {
    const idle = (await open(svc.wsUrl)) as WebSocket;
    const idleClosed = closed(idle);
    const authed = await svc.client('viewer');
    assert.equal(await idleClosed, 4001);
    assert.equal(await authed.call('ping'), 'pong');
    await authed.close();
  });
});

describe('admission before authentication (issue 15 defects 2 and 3)', () => {
  let svc: RunningService;
  before(async () => {
    svc = await startService({ limits: { max_connections: 40, max_unauthenticated_connections: 35, max_unauthenticated_per_ip: 3, unauthenticated_timeout_s: 1 } });
  });
  after(() => svc?.stop());

  it('a 1 MB batch before authentication closes the connection (1009) unparsed; a small oversize batch answers one -32600; others are not held up', async (t) => {
    const other = await svc.client('viewer');
    const ws = (await open(svc.wsUrl)) as WebSocket;
    const closedWith = closed(ws);
    const big = `[${new Array(500_000).fill('0').join(',')}]`;
    ws.send(big);
    const t0 = performance.now();
    assert.equal(await other.call('ping'), 'pong');
    const pingMs = performance.now() - t0;
    assert.equal(await closedWith, 1009);
    t.diagnostic(`another client's ping during the 1 MB frame: ${pingMs.toFixed(1)} ms`);

    const small = (await open(svc.wsUrl)) as WebSocket;
    const reply = new Promise<any>((resolve) => small.once('message', (d) => resolve(JSON.parse(d.toString()))));
    small.send(JSON.stringify(Array.from({ length: 50 }, (_, i) => ({ jsonrpc: '2.0', method: 'ping', id: i }))));
    const r = await reply;
    assert.ok(!Array.isArray(r), 'one reply, not one per element');
    assert.deepEqual([r.id, r.error.code, r.error.data.reason], [null, -32600, 'batch too large: 50 requests, at most 4']);
    const fine = new Promise<any>((resolve) => small.once('message', (d) => resolve(JSON.parse(d.toString()))));
    small.send(JSON.stringify(Array.from({ length: 4 }, (_, i) => ({ jsonrpc: '2.0', method: 'ping', id: i }))));
    assert.deepEqual((await fine).map((x: any) => x.result), ['pong', 'pong', 'pong', 'pong']);
    await closeAll([small]);
    await other.close();
  });

  it('unauthenticated clients from 10 addresses reconnecting after every close cannot keep an authenticated client out', async () => {
    let running = true;
    const live = new Set<WebSocket>();
    let refused = 0;
    const attack = (localAddress: string): void => {
      if (!running) return;
      open(svc.wsUrl, { localAddress }).then(
        (r) => {
          if (typeof r === 'number') {
            refused++;
            setTimeout(() => attack(localAddress), 20);
            return;
          }
          live.add(r);
          r.once('close', () => (live.delete(r), attack(localAddress)));
        },
        () => setTimeout(() => attack(localAddress), 20),
      );
    };
    for (let a = 11; a <= 20; a++) for (let i = 0; i < 10; i++) attack(`127.0.0.${a}`);
    try {
      await until(() => live.size >= 30 && refused > 0, 10000, 'the attackers to hold every slot they can get');
      for (let probe = 0; probe < 11; probe++) {
        const c = await svc.client('viewer');
        assert.equal(await c.call('ping'), 'pong');
        await c.close();
      }
      assert.ok(live.size <= 30, `at most 3 unauthenticated connections per address: ${live.size}`);
    } finally {
      running = false;
      await closeAll([...live]);
    }
  });
});

describe('displacement when the unauthenticated connections are all taken', () => {
  let svc: RunningService;
  before(async () => {
    svc = await startService({ limits: { max_connections: 40, max_unauthenticated_connections: 35, max_unauthenticated_per_ip: 3, unauthenticated_timeout_s: 60 } });
  });
  after(() => svc?.stop());

  it('a full house of unauthenticated connections: a newcomer from a fresh address displaces (4001) one of the address holding the most', async () => {
    const held = [(await open(svc.wsUrl, { localAddress: '127.0.0.31' })) as WebSocket, (await open(svc.wsUrl, { localAddress: '127.0.0.31' })) as WebSocket];
    const others: WebSocket[] = [];
    for (let a = 32; others.length < 33; a++) for (let i = 0; i < 3 && others.length < 33; i++) others.push((await open(svc.wsUrl, { localAddress: `127.0.0.${a}` })) as WebSocket);
    // 35 unauthenticated now (the pool); 127.0.0.3x hold 3 each at most.
    const firstClosed = closed(others[0]!);
    const c = await svc.client('viewer');
    assert.equal(await c.call('ping'), 'pong');
    assert.equal(await firstClosed, 4001, 'the longest-waiting connection of an address holding 3 made room');
    const stillOpen = [...held, ...others].filter((ws) => ws.readyState === WebSocket.OPEN).length;
    assert.equal(stillOpen, 34, 'only that one');
    await c.close();
    await closeAll([...held, ...others]);
  });

});
