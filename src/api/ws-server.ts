/**
 * The WebSocket transport: upgrades on the configured path, one Session per connection,
 * frames handed to the dispatcher, heartbeat pings, oversize frames closed by ws (1009),
 * no compression. Notifications are serialized once and the same string is written to every
 * recipient.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Dispatcher } from './rpc/dispatcher.js';
import { activeRole, type Session } from './session.js';

export interface WsServerOptions {
  path: string;
  maxPayload: number;
  heartbeatMs: number;
  dispatcher: Dispatcher;
  metrics: Metrics;
  log: Logger;
}

interface Conn {
  session: Session;
  alive: boolean;
}

export class RpcWebSocketServer {
  readonly #wss: WebSocketServer;
  readonly #conns = new Map<WebSocket, Conn>();
  #heartbeat: NodeJS.Timeout | undefined;
  #accepting = true;

  constructor(private readonly opts: WsServerOptions) {
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxPayload, perMessageDeflate: false, clientTracking: false });
  }

  get size(): number {
    return this.#conns.size;
  }

  /** Every open session. */
  *sessions(): IterableIterator<Session> {
    for (const conn of this.#conns.values()) yield conn.session;
  }

  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = (req.url ?? '').split('?')[0];
      if (!this.#accepting || path !== this.opts.path) {
        socket.end(`HTTP/1.1 ${this.#accepting ? '404 Not Found' : '503 Service Unavailable'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, req));
    });
    this.#heartbeat = setInterval(() => this.#beat(), this.opts.heartbeatMs);
    this.#heartbeat.unref();
  }

  #accept(ws: WebSocket, req: IncomingMessage): void {
    const session: Session = { id: randomUUID(), remote: req.socket.remoteAddress ?? 'unknown' };
    const conn: Conn = { session, alive: true };
    this.#conns.set(ws, conn);
    this.opts.metrics.connections.set(this.#conns.size);
    ws.on('pong', () => (conn.alive = true));
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        this.#send(ws, '{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request","data":{"reason":"binary frames are not accepted","hint":"send JSON-RPC requests as text frames"}},"id":null}');
        return;
      }
      const text = (data as Buffer).toString('utf8');
      this.opts.dispatcher.handleFrame(text, session).then(
        (reply) => reply !== undefined && this.#send(ws, reply),
        (err: unknown) => this.opts.log.error({ err }, 'dispatcher failed'),
      );
    });
    ws.on('error', (err) => this.opts.log.debug({ err: err.message, session: session.id }, 'websocket error'));
    ws.on('close', () => {
      this.#conns.delete(ws);
      this.opts.metrics.connections.set(this.#conns.size);
    });
  }

  #send(ws: WebSocket, text: string): void {
    if (ws.readyState === WebSocket.OPEN) ws.send(text);
  }

  #beat(): void {
    for (const [ws, conn] of this.#conns) {
      if (!conn.alive) {
        ws.terminate();
        continue;
      }
      conn.alive = false;
      ws.ping();
    }
  }

  /**
   * Sends a JSON-RPC notification to every authenticated session that `accept` admits.
   * Serialized once. Returns the number of recipients.
   */
  notify(method: string, params: unknown, accept: (s: Session) => boolean = () => true): number {
    const text = JSON.stringify({ jsonrpc: '2.0', method, params });
    const now = Date.now();
    let n = 0;
    for (const [ws, { session }] of this.#conns) {
      if (activeRole(session, now) && accept(session)) {
        this.#send(ws, text);
        n++;
      }
    }
    return n;
  }

  /** Stops accepting, closes every client with `code` and resolves when all are closed. */
  async close(code = 1001, reason = 'server shutting down'): Promise<void> {
    this.#accepting = false;
    clearInterval(this.#heartbeat);
    const closing = [...this.#conns.keys()].map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', () => resolve());
          ws.close(code, reason);
          // A peer that does not complete the closing handshake is cut off.
          setTimeout(() => ws.terminate(), 1000).unref();
        }),
    );
    await Promise.all(closing);
    this.#wss.close();
  }
}
