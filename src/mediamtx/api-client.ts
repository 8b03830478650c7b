/**
 * The MediaMTX v3 API over pooled keep-alive HTTP (node:http Agent; undici costs +12 MB).
 * Short timeouts, bounded retries on idempotent calls, typed v1.20 payloads.
 */
import { http } from '../lib/deps/http.js';

/** Path configuration fields the service sets (a subset of MediaMTX's; unknown fields are 400). */
export interface PathConf {
  name?: string;
  source?: string;
  sourceOnDemand?: boolean;
  rtspTransport?: string;
  runOnDemand?: string;
  runOnDemandRestart?: boolean;
  runOnDemandStartTimeout?: string;
  runOnDemandCloseAfter?: string;
  record?: boolean;
  recordPath?: string;
  recordFormat?: 'fmp4' | 'mpegts';
  recordPartDuration?: string;
  recordSegmentDuration?: string;
  recordDeleteAfter?: string;
  [key: string]: unknown;
}

export interface PathInfo {
  name: string;
  confName: string;
  source: { type: string; id: string } | null;
  available: boolean;
  availableTime: string | null;
  online: boolean;
  tracks2?: unknown[];
  readers: { type: string; id: string }[];
  inboundBytes: number;
  outboundBytes: number;
}

export interface ServerInfo {
  version: string;
  started: string;
}

export interface ListPage<T> {
  pageCount: number;
  itemCount: number;
  items: T[];
}

export class MediaMtxError extends Error {
  constructor(
    message: string,
    /** HTTP status, or 0 when no answer came (refused, timeout). */
    readonly status: number,
    readonly body: string,
  ) {
    super(message);
    this.name = 'MediaMtxError';
  }
}

export interface ApiClientOptions {
  baseUrl: string;
  requestTimeoutMs: number;
  connectTimeoutMs?: number;
  /** Extra attempts for idempotent requests that got no answer (default 1). */
  retries?: number;
  /** HTTP Basic credentials (managed mode: the API needs them). */
  credentials?: { user: string; pass: string };
}

export class MediaMtxApi {
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 16, keepAliveMsecs: 1000 });
  readonly #url: URL;
  readonly #auth: Record<string, string>;

  constructor(private readonly opts: ApiClientOptions) {
    this.#url = new URL(opts.baseUrl);
    const c = opts.credentials;
    this.#auth = c ? { authorization: `Basic ${Buffer.from(`${c.user}:${c.pass}`).toString('base64')}` } : {};
  }

  info(): Promise<ServerInfo> {
    return this.#json('GET', '/v3/info');
  }

  /** The global configuration (only the fields the service reads are typed). */
  globalConfig(): Promise<{ sysLogPrefix?: string; [key: string]: unknown }> {
    return this.#json('GET', '/v3/config/global/get');
  }

  async listPaths(): Promise<PathInfo[]> {
    return (await this.#json<ListPage<PathInfo>>('GET', '/v3/paths/list?itemsPerPage=10000')).items;
  }

  getPath(name: string): Promise<PathInfo> {
    return this.#json('GET', `/v3/paths/get/${encodeURIComponent(name)}`);
  }

  async listPathConfigs(): Promise<PathConf[]> {
    return (await this.#json<ListPage<PathConf>>('GET', '/v3/config/paths/list?itemsPerPage=10000')).items;
  }

  /** Upsert of a path configuration. */
  replacePathConfig(name: string, conf: PathConf): Promise<void> {
    return this.#json('POST', `/v3/config/paths/replace/${encodeURIComponent(name)}`, conf);
  }

  patchPathConfig(name: string, conf: PathConf): Promise<void> {
    return this.#json('PATCH', `/v3/config/paths/patch/${encodeURIComponent(name)}`, conf);
  }

  /** Deletes a path configuration; a missing one is not an error. */
  async deletePathConfig(name: string): Promise<void> {
    try {
      await this.#json('DELETE', `/v3/config/paths/delete/${encodeURIComponent(name)}`);
    } catch (err) {
      if (!(err instanceof MediaMtxError && err.status === 404)) throw err;
    }
  }

  close(): void {
    this.#agent.destroy();
  }

  async #json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const idempotent = method !== 'POST' && method !== 'PATCH' ? true : path.includes('/replace/');
    const attempts = 1 + (idempotent ? (this.opts.retries ?? 1) : 0);
    let last: unknown;
    for (let i = 0; i < attempts; i++) {
      try {
        return await this.#request<T>(method, path, body);
      } catch (err) {
        last = err;
        // Retry only when no answer came; an HTTP error status is final.
        if (!(err instanceof MediaMtxError && err.status === 0)) throw err;
      }
    }
    throw last;
  }

  #request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise<T>((resolve, reject) => {
      const req = http.request(
        {
          agent: this.#agent,
          host: this.#url.hostname,
          port: this.#url.port || 80,
          method,
          path,
          headers: payload ? { ...this.#auth, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : this.#auth,
          timeout: this.opts.requestTimeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) {
              reject(new MediaMtxError(`MediaMTX ${method} ${path} answered ${status}: ${text.slice(0, 300)}`, status, text));
              return;
            }
            if (text === '') return resolve(undefined as T);
            try {
              resolve(JSON.parse(text) as T);
            } catch {
              reject(new MediaMtxError(`MediaMTX ${method} ${path} answered invalid JSON`, status, text));
            }
          });
          res.on('error', (err) => reject(new MediaMtxError(`MediaMTX ${method} ${path}: ${err.message}`, 0, '')));
        },
      );
      const connectTimer = setTimeout(() => req.destroy(new Error('connect timeout')), this.opts.connectTimeoutMs ?? 1000);
      req.once('socket', (sock) => {
        if (!sock.connecting) clearTimeout(connectTimer);
        else sock.once('connect', () => clearTimeout(connectTimer));
      });
      req.on('timeout', () => req.destroy(new Error('response timeout')));
      req.on('error', (err) => {
        clearTimeout(connectTimer);
        reject(new MediaMtxError(`MediaMTX ${method} ${path}: ${err.message}`, 0, ''));
      });
      req.on('close', () => clearTimeout(connectTimer));
      req.end(payload);
    });
  }
}
