/**
 * Typed client for the camera-service JSON-RPC API over WebSocket. Used by the tests, the
 * CLI and the benchmarks.
 *
 *   const c = await CameraServiceClient.connect('ws://127.0.0.1:8002/ws');
 *   await c.authenticate(token);
 *   const { cameras } = await c.call('get_camera_list');
 *   c.onNotification('camera_status_update', (p) => ...);
 */
import { EventEmitter } from 'node:events';
import { WebSocket } from '../lib/deps/ws.js';
import type { MethodName, ParamsOf, ResultOf } from './methods.js';

export type * from './methods.js';

export class RpcCallError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data: { reason?: string; [k: string]: unknown } | undefined,
  ) {
    super(`${message} (${code})${data?.reason ? `: ${data.reason}` : ''}`);
    this.name = 'RpcCallError';
  }
}

export interface ClientOptions {
  /** Milliseconds to wait for the connection and for each reply (default 10000). */
  timeoutMs?: number;
  /** Reconnect (and re-authenticate) after an unexpected close; off by default. */
  reconnect?: boolean;
  reconnectDelayMs?: number;
  /** Extra headers for the upgrade request (e.g. Origin). */
  headers?: Record<string, string>;
  /**
   * PEM CA certificate(s) a wss:// server's certificate must chain to, instead of the system CAs
   * (a self-signed server certificate is its own CA). NODE_EXTRA_CA_CERTS works too.
   */
  ca?: string | Buffer;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export interface ClientEvents {
  notification: [method: string, params: unknown];
  close: [code: number, reason: string];
  reconnected: [];
}

export class CameraServiceClient extends EventEmitter<ClientEvents> {
  #ws!: WebSocket;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  #token: string | undefined;
  #closedByUser = false;

  private constructor(
    readonly url: string,
    private readonly opts: ClientOptions,
  ) {
    super();
  }

  static async connect(url: string, opts: ClientOptions = {}): Promise<CameraServiceClient> {
    const client = new CameraServiceClient(url, opts);
    await client.#open();
    return client;
  }

  get socket(): WebSocket {
    return this.#ws;
  }

  #open(): Promise<void> {
    const ws = new WebSocket(this.url, {
      perMessageDeflate: false,
      headers: this.opts.headers,
      handshakeTimeout: this.opts.timeoutMs ?? 10000,
      ...(this.opts.ca !== undefined ? { ca: this.opts.ca } : {}),
    });
    this.#ws = ws;
    ws.on('message', (data) => this.#onMessage(data.toString()));
    ws.on('close', (code, reason) => {
      for (const [id, p] of this.#pending) {
        clearTimeout(p.timer);
        p.reject(new Error(`connection closed (${code}) before the reply to request ${id}`));
      }
      this.#pending.clear();
      this.emit('close', code, reason.toString());
      if (this.opts.reconnect && !this.#closedByUser) setTimeout(() => void this.#reopen(), this.opts.reconnectDelayMs ?? 1000);
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () => {
        ws.off('error', reject);
        ws.on('error', () => undefined);
        resolve();
      });
      ws.once('error', reject);
    });
  }

  async #reopen(): Promise<void> {
    try {
      await this.#open();
      if (this.#token) await this.authenticate(this.#token);
      this.emit('reconnected');
    } catch {
      if (!this.#closedByUser) setTimeout(() => void this.#reopen(), this.opts.reconnectDelayMs ?? 1000);
    }
  }

  #onMessage(text: string): void {
    let msg: any;
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    for (const m of Array.isArray(msg) ? msg : [msg]) {
      if (m && typeof m.method === 'string' && !('id' in m)) {
        this.emit('notification', m.method, m.params);
        continue;
      }
      const p = typeof m?.id === 'number' ? this.#pending.get(m.id) : undefined;
      if (!p) continue;
      this.#pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.error) p.reject(new RpcCallError(m.error.code, m.error.message, m.error.data));
      else p.resolve(m.result);
    }
  }

  /** Calls a method; rejects with RpcCallError on an error reply. */
  call<M extends MethodName>(method: M, ...params: {} extends ParamsOf<M> ? [ParamsOf<M>?] : [ParamsOf<M>]): Promise<ResultOf<M>>;
  call(method: string, params?: Record<string, unknown>): Promise<unknown>;
  call(method: string, params?: Record<string, unknown>): Promise<unknown> {
    const id = this.#nextId++;
    const frame = JSON.stringify({ jsonrpc: '2.0', method, ...(params ? { params } : {}), id });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`no reply to ${method} within ${this.opts.timeoutMs ?? 10000} ms`));
      }, this.opts.timeoutMs ?? 10000);
      this.#pending.set(id, { resolve, reject, timer });
      this.#ws.send(frame, (err) => {
        if (err) {
          clearTimeout(timer);
          this.#pending.delete(id);
          reject(err);
        }
      });
    });
  }

  async authenticate(token: string): Promise<ResultOf<'authenticate'>> {
    const result = await this.call('authenticate', { auth_token: token });
    this.#token = token;
    return result;
  }

  /** Registers a handler for one notification method; returns a function that removes it. */
  onNotification(method: string, handler: (params: any) => void): () => void {
    const listener = (m: string, p: unknown) => m === method && handler(p);
    this.on('notification', listener);
    return () => this.off('notification', listener);
  }

  /** Resolves with the params of the next notification `method` that satisfies `match`. */
  waitForNotification<T = any>(method: string, match: (params: T) => boolean = () => true, timeoutMs = this.opts.timeoutMs ?? 10000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no ${method} notification within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.onNotification(method, (p: T) => {
        if (!match(p)) return;
        clearTimeout(timer);
        off();
        resolve(p);
      });
    });
  }

  /** Closes the connection; resolves with the close code. */
  close(code = 1000): Promise<number> {
    this.#closedByUser = true;
    if (this.#ws.readyState === WebSocket.CLOSED) return Promise.resolve(code);
    return new Promise((resolve) => {
      this.#ws.once('close', (c) => resolve(c));
      this.#ws.close(code);
    });
  }
}
