/**
 * WebSocket heartbeat of the real daemon: a client that stops answering pings is cut off within
 * two intervals (counted as heartbeat_timeout), one that answers stays, and the pings to many
 * connections are spread over the interval instead of being sent in one burst.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { startService, until } from '../../helpers/service.js';

/** An authenticated raw connection; `pings` counts the pings it received from the start. */
async function authenticated(url: string, token: string, opts: { autoPong?: boolean } = {}): Promise<WebSocket & { pings: number[] }> {
  const ws = Object.assign(new WebSocket(url, { autoPong: opts.autoPong ?? true }), { pings: [] as number[] });
  ws.on('ping', () => ws.pings.push(Date.now()));
  await once(ws, 'open');
  ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'authenticate', params: { auth_token: token }, id: 1 }));
  const [data] = (await once(ws, 'message')) as [Buffer];
  assert.equal(JSON.parse(data.toString()).result?.authenticated, true);
  return ws;
}

describe('heartbeat', () => {
  it('a client that stops answering pings is cut off (a round after its first ping); one that answers stays', { timeout: 30_000 }, async (t) => {
    const svc = await startService({ server: { heartbeat_interval_s: 1 } });
    t.after(() => svc.stop());
    const token = await svc.token('viewer');
    const openedAt = Date.now();
    const mute = await authenticated(svc.wsUrl, token, { autoPong: false });
    const healthy = await authenticated(svc.wsUrl, token);
    const [code] = (await once(mute, 'close')) as [number];
    const cutAfterMs = Date.now() - openedAt;
    assert.equal(code, 1006, 'terminated, no closing handshake');
    assert.ok(mute.pings.length >= 1, 'it was pinged before it was cut off');
    // Two rounds at most (its first ping, then the check a round later); loose, for a busy machine.
    assert.ok(cutAfterMs <= 5_000, `cut off after ${cutAfterMs} ms (interval 1 s)`);
    t.diagnostic(`unanswered pings: cut off ${cutAfterMs} ms after connecting`);

    await until(() => healthy.pings.length >= 3, 10_000, 'three pings to the healthy client');
    assert.equal(healthy.readyState, WebSocket.OPEN, 'a client that answers stays');
    healthy.send(JSON.stringify({ jsonrpc: '2.0', method: 'ping', id: 2 }));
    const [pong] = (await once(healthy, 'message')) as [Buffer];
    assert.equal(JSON.parse(pong.toString()).result, 'pong');
    healthy.close();
    const metrics = await (await fetch(`${svc.httpUrl}/metrics`)).text();
    assert.match(metrics, /^camera_service_websocket_disconnects_total\{reason="heartbeat_timeout"\} 1$/m);
  });

  it('pings to many connections are spread over the interval, not sent in one burst', { timeout: 30_000 }, async (t) => {
    const svc = await startService({ server: { heartbeat_interval_s: 2 } });
    t.after(() => svc.stop());
    const token = await svc.token('viewer');
    const clients = await Promise.all(Array.from({ length: 100 }, () => authenticated(svc.wsUrl, token)));
    t.after(() => clients.forEach((c) => c.terminate()));
    // The first ping each connection gets after all of them are open.
    const firstPing: number[] = [];
    await Promise.all(clients.map((c) => once(c, 'ping').then(() => firstPing.push(Date.now()))));
    const spreadMs = Math.max(...firstPing) - Math.min(...firstPing);
    t.diagnostic(`first pings to 100 connections arrived over ${spreadMs} ms (interval 2000 ms)`);
    // All at once they would arrive within a few ms; spread over the interval they take most of it.
    assert.ok(spreadMs >= 1_000, `the first pings arrived within ${spreadMs} ms of each other`);
  });
});
