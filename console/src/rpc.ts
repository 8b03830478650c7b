/** JSON-RPC 2.0 over the browser's WebSocket: calls with ids, server notifications to listeners. */
export class RpcError extends Error {
  constructor(readonly code: number, message: string, readonly data: unknown) {
    super(message);
  }
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: number };

export class Rpc {
  #ws: WebSocket;
  #id = 0;
  #pending = new Map<number, Pending>();
  #listeners = new Map<string, Set<(params: any) => void>>();
  readonly closed: Promise<CloseEvent>;
  /** Called when a call is refused with -32001 (the credential expired or was revoked). */
  onAuthLost: (() => void) | undefined;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.addEventListener('message', (ev) => this.#onMessage(String(ev.data)));
    this.closed = new Promise((resolve) =>
      ws.addEventListener('close', (ev) => {
        for (const p of this.#pending.values()) (clearTimeout(p.timer), p.reject(new Error('connection closed')));
        this.#pending.clear();
        resolve(ev);
      }),
    );
  }

  static connect(url: string): Promise<Rpc> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.addEventListener('open', () => resolve(new Rpc(ws)), { once: true });
      ws.addEventListener('error', () => reject(new Error(`cannot connect to ${url}`)), { once: true });
    });
  }

  call<T = any>(method: string, params?: Record<string, unknown>, timeoutMs = 30000): Promise<T> {
    const id = ++this.#id;
    return new Promise<T>((resolve, reject) => {
      const timer = window.setTimeout(() => (this.#pending.delete(id), reject(new Error(`${method}: no reply within ${timeoutMs} ms`))), timeoutMs);
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.#ws.send(JSON.stringify({ jsonrpc: '2.0', method, ...(params ? { params } : {}), id }));
    });
  }

  on(method: string, fn: (params: any) => void): () => void {
    let set = this.#listeners.get(method);
    if (!set) this.#listeners.set(method, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  close(): void {
    this.#ws.close(1000);
  }

  #onMessage(text: string): void {
    let msg: any;
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    for (const m of Array.isArray(msg) ? msg : [msg]) {
      if (m && typeof m.method === 'string' && m.id === undefined) {
        for (const fn of this.#listeners.get(m.method) ?? []) fn(m.params);
        continue;
      }
      const p = this.#pending.get(m?.id);
      if (!p) continue;
      this.#pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.error) {
        p.reject(new RpcError(m.error.code, m.error.message, m.error.data));
        if (m.error.code === -32001) this.onAuthLost?.();
      }
      else p.resolve(m.result);
    }
  }
}
