/**
 * The HTTP listener shared with the WebSocket endpoint: a small route table for health,
 * metrics, files, the console and the OpenRPC document. Handlers get the raw request/response.
 * With a certificate and key it is an HTTPS listener (and the WebSocket endpoint wss://): a
 * plain HTTP request on it fails the TLS handshake and is closed.
 */
import type * as Http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type * as Https from 'node:https';
import { createRequire } from 'node:module';
import { http } from '../lib/deps/http.js';
import type { AddressInfo } from 'node:net';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

export interface Route {
  /** Exact path, or a prefix ending in '/' (unless `exact`). */
  path: string;
  /** Match `path` exactly even though it ends in '/' (the root, `/`). */
  exact?: boolean;
  methods: string[];
  handler: RouteHandler;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

const loadHttps = () => createRequire(import.meta.url)('node:https') as typeof Https;

export class HttpServer {
  readonly server: Http.Server | Https.Server;
  readonly #routes: Route[] = [];

  constructor(
    private readonly onError: (err: unknown) => void,
    tls?: { cert: Buffer; key: Buffer },
  ) {
    const handle = (req: IncomingMessage, res: ServerResponse) => void this.#handle(req, res);
    // node:https (and with it node:tls) is loaded only when TLS is configured: nothing of it at idle otherwise.
    this.server = tls ? loadHttps().createServer({ cert: tls.cert, key: tls.key }, handle) : http.createServer(handle);
    this.server.keepAliveTimeout = 5000;
  }

  route(route: Route): this {
    this.#routes.push(route);
    return this;
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Stops accepting connections and drops idle keep-alive sockets. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // Prefix routes also see targets whose dot segments normalization would move elsewhere
    // (`/files/x/../../etc`), so they can refuse them (400) instead of a 404 from elsewhere.
    const raw = (req.url ?? '/').split('?', 1)[0]!;
    const matches = (r: Route) => (r.path.endsWith('/') && !r.exact ? url.pathname.startsWith(r.path) || raw.startsWith(r.path) : url.pathname === r.path);
    const route = this.#routes.find(matches);
    if (!route) return sendJson(res, 404, { error: 'not found', path: url.pathname });
    if (!route.methods.includes(req.method ?? 'GET')) {
      res.setHeader('allow', route.methods.join(', '));
      return sendJson(res, 405, { error: 'method not allowed' });
    }
    try {
      await route.handler(req, res, url);
    } catch (err) {
      this.onError(err);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    }
  }
}
