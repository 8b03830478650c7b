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

async function authenticated(url: string, token: string, opts: { autoPong?: boolean } = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, { autoPong: opts.autoPong ?? true });
  await once(ws, 'open');
  ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'authenticate', params: { auth_token: token }, id: 1 }));
  const [data] = (await once(ws, 'message')) as [Buffer];
  assert.equal(JSON.parse(data.toString()).result?.authenticated, true);
  return ws;
}

describe('heartbeat', () => {
  it('a client that stops answering pings is cut off within two intervals; one that answers stays', { timeout: 30_000 }, async (t) => {
    const svc = await startService({ server: { heartbeat_interval_s: 1 } });
    t.after(() => svc.stop());
    const token = await svc.token('viewer');
    const mute = await authenticated(svc.wsUrl, token, { autoPong: false });
    const healthy = await authenticated(svc.wsUrl, token);
    let mutePings = 0;
    let healthyPings = 0;
    mute.on('ping', () => mutePings++);
    healthy.on('ping', () => healthyPings++);
    const openedAt = Date.now();
    const [code] = (await once(mute, 'close')) as [number];
    const cutAfterMs = Date.now() - openedAt;
    assert.equal(code, 1006, 'terminated, no closing handshake');
    assert.ok(mutePings >= 1, 'it was pinged before it was cut off');
    assert.ok(cutAfterMs <= 2_500, `cut off after ${cutAfterMs} ms (two intervals of 1 s plus a tick)`);
    t.diagnostic(`unanswered pings: cut off ${cutAfterMs} ms after connecting`);

    await until(() => healthyPings >= 3, 10_000, 'three pings to the healthy client');
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
    const firstPing: number[] = [];
    await Promise.all(clients.map((c) => once(c, 'ping').then(() => firstPing.push(Date.now()))));
    const spreadMs = Math.max(...firstPing) - Math.min(...firstPing);
    t.diagnostic(`first pings to 100 connections arrived over ${spreadMs} ms (interval 2000 ms)`);
    // All at once they would arrive within a few ms; spread over the interval they take most of it.
    assert.ok(spreadMs >= 1_000, `the first pings arrived within ${spreadMs} ms of each other`);
  });
});
