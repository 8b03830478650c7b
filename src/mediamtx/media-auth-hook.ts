/**
 * The HTTP endpoint MediaMTX asks before every read, publish and API request when media
 * authentication is on (`authMethod: http`, `authHTTPAddress` = `hookUrl()`). A route of the
 * service's internal listener (plain HTTP on 127.0.0.1, src/app/internal.ts), which starts before
 * MediaMTX (whose API asks the hook from the first health check on) and never serves the API
 * port, whatever TLS the API listener has. MediaMTX authenticates itself with
 * a per-run secret (Basic auth from the URL's userinfo), compared in constant time; neither the
 * secret nor any presented credential is logged. The decision is `decideMediaAccess`.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Authenticator, Identity } from '../api/auth/authenticator.js';
import type { Config } from '../config/schema.js';
import type { ManagedMediaMtx } from './managed-server.js';
import { TokenRejected } from '../api/auth/jwt.js';
import { sendJson, type Route } from '../api/http-server.js';
import { internalBaseUrl, isLoopback } from '../lib/net.js';
import type { Logger } from '../observability/logger.js';
import { decideMediaAccess, roleDecision, type MediaAuthDecision, type MediaAuthRequest, type ServiceCredentials } from './media-auth.js';

const PATH = '/internal/media-auth';
const MAX_BODY = 64 * 1024;
/** How long a verified API key is trusted without its scrypt check again (revocation still applies at once). */
const KEY_CACHE_MS = 5000;
const KEY_CACHE_MAX = 256;

/** The URL MediaMTX posts to: the one place that says how MediaMTX reaches the hook. */
export function hookUrl(port: number, secret: string): string {
  const u = new URL(`${internalBaseUrl(port)}${PATH}`);
  u.username = 'mediamtx';
  u.password = secret;
  return u.href;
}

export interface MediaAuthHookDeps {
  credentials: ServiceCredentials;
  /** Verifies a JWT or API key (the API's authenticator); throws TokenRejected when invalid. */
  authenticate(token: string): Promise<Identity>;
  /** True when an API key was revoked since it was verified. */
  revoked(identity: Identity): boolean;
  log: Logger;
  now?: () => number;
}

/**
 * The hook for a managed MediaMTX with `media_auth: token` (undefined otherwise: an external
 * MediaMTX's authentication is the operator's; `none` is logged as a warning). Sets the
 * managed MediaMTX's hook URL.
 */
export function mediaAuthFor(
  mtx: Config['mediamtx'],
  managed: ManagedMediaMtx | undefined,
  auth: () => Pick<Authenticator, 'authenticate' | 'revoked'>,
  log: Logger,
  /** The internal listener's port (known before MediaMTX's config is written). */
  internalPort: () => number,
): MediaAuthHook | undefined {
  if (!managed) return undefined;
  if (mtx.media_auth === 'none') {
    log.warn('mediamtx.media_auth is none: anyone who reaches the media ports (RTSP, HLS, WebRTC) can watch every camera without credentials');
    return undefined;
  }
  const hook = new MediaAuthHook({
    credentials: { publisher: managed.publishCredentials, api: managed.apiCredentials, reader: managed.readCredentials },
    authenticate: (token) => auth().authenticate(token),
    revoked: (identity) => auth().revoked(identity),
    log,
  });
  managed.authHook = () => hook.url(internalPort());
  return hook;
}

export class MediaAuthHook {
  readonly #secret = randomBytes(24).toString('base64url');
  readonly #keys = new Map<string, { identity: Identity; until: number }>();
  readonly #now: () => number;

  constructor(private readonly d: MediaAuthHookDeps) {
    this.#now = d.now ?? Date.now;
  }

  /** Its route on the internal listener. */
  route(): Route {
    return { path: PATH, exact: true, methods: ['POST'], handler: (req, res) => this.#handle(req).then((r) => sendJson(res, r.status, r.body)) };
  }

  /** The `authHTTPAddress` for MediaMTX, on the internal listener's port. */
  url(port: number): string {
    return hookUrl(port, this.#secret);
  }

  async #handle(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    if (!isLoopback(req.socket.remoteAddress) || !this.#fromMediaMtx(req.headers.authorization)) return { status: 403, body: { error: 'forbidden' } };
    let body: MediaAuthRequest;
    try {
      body = parseRequest(await readBody(req));
    } catch (err) {
      return { status: 400, body: { error: (err as Error).message } };
    }
    const decision = await this.decide(body);
    if (decision.kind === 'allow') return { status: 200, body: { ok: true } };
    const d = decision as Extract<MediaAuthDecision, { kind: 'deny' }>;
    this.d.log.debug({ action: body.action, path: body.path, protocol: body.protocol, ip: body.ip, status: d.status, reason: d.reason }, 'media access refused');
    return { status: d.status, body: { error: d.reason } };
  }

  /** The decision for one MediaMTX request, with the client's token verified. */
  async decide(req: MediaAuthRequest): Promise<MediaAuthDecision> {
    const first = decideMediaAccess(req, this.d.credentials);
    if (first.kind !== 'verify') return first;
    try {
      return roleDecision((await this.#verify(first.token)).role);
    } catch (err) {
      return roleDecision(undefined, err instanceof TokenRejected ? err.message : 'credentials rejected');
    }
  }

  async #verify(token: string): Promise<Identity> {
    if (!token.startsWith('csk_')) return this.d.authenticate(token); // a JWT: an HMAC or signature check, cheap
    const now = this.#now();
    const key = createHash('sha256').update(token).digest('base64url');
    const hit = this.#keys.get(key);
    if (hit && hit.until > now && hit.identity.expiresAt > now && !this.d.revoked(hit.identity)) return hit.identity;
    this.#keys.delete(key);
    const identity = await this.d.authenticate(token);
    if (this.#keys.size >= KEY_CACHE_MAX) this.#keys.clear();
    this.#keys.set(key, { identity, until: now + KEY_CACHE_MS });
    return identity;
  }

  #fromMediaMtx(authorization: string | undefined): boolean {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization ?? '');
    if (!m) return false;
    const presented = Buffer.from(Buffer.from(m[1]!, 'base64').toString('utf8').replace(/^[^:]*:/, ''));
    const secret = Buffer.from(this.#secret);
    return presented.length === secret.length && timingSafeEqual(presented, secret);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** MediaMTX's JSON body; every field a string (missing ones empty). */
export function parseRequest(text: string): MediaAuthRequest {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error('body must be JSON');
  }
  if (typeof v !== 'object' || v === null) throw new Error('body must be a JSON object');
  const o = v as Record<string, unknown>;
  const s = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : '');
  return { ip: s('ip'), user: s('user'), password: s('password'), token: s('token'), action: s('action'), path: s('path'), protocol: s('protocol'), query: s('query') };
}
