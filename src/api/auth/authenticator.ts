/**
 * One place that turns a presented credential into an identity: a JWT or an API key (told
 * apart by form: keys start with `csk_`). Used by `authenticate` on the WebSocket and by HTTP
 * routes (`Authorization: Bearer <jwt|key>` or `X-API-Key: <key>`), and it ends the sessions
 * of keys that were revoked.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Session } from '../session.js';
import { looksLikeApiKey } from './api-key-format.js';
import { TokenRejected, type JwtVerifier } from './jwt.js';
import type { ApiKeyStore } from './key-store.js';
import { roleAllows, type Role } from './roles.js';

export interface Identity {
  userId: string;
  role: Role;
  /** Epoch ms; Infinity for an API key without expiry. */
  expiresAt: number;
  method: 'jwt' | 'api_key';
  keyId?: string;
}

export type HttpAuth = { ok: true; identity: Identity } | { ok: false; status: 401 | 403; reason: string };

export class Authenticator {
  constructor(
    private readonly jwt: JwtVerifier,
    private readonly keys: ApiKeyStore | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Verifies a JWT or an API key; throws TokenRejected with the reason. */
  async authenticate(token: string): Promise<Identity> {
    if (!looksLikeApiKey(token)) return { ...(await this.jwt.verify(token)), method: 'jwt' };
    if (!this.keys) throw new TokenRejected('API keys are not enabled');
    const r = await this.keys.check(token, this.now());
    if (!r.ok) throw new TokenRejected(r.reason);
    return {
      userId: `apikey:${r.key.id}${r.key.label ? ` (${r.key.label})` : ''}`,
      role: r.key.role,
      expiresAt: r.key.expires_at === null ? Infinity : Date.parse(r.key.expires_at),
      method: 'api_key',
      keyId: r.key.id,
    };
  }

  /**
   * Authenticates an HTTP request by `X-API-Key` or `Authorization: Bearer`; `minRole`
   * (default viewer) gives 403 when the credential's role is lower.
   */
  async authenticateHttp(req: IncomingMessage, minRole: Role = 'viewer'): Promise<HttpAuth> {
    const apiKey = req.headers['x-api-key'];
    const authorization = req.headers.authorization;
    let token: string | undefined;
    if (typeof apiKey === 'string' && apiKey !== '') token = apiKey.trim();
    else if (typeof authorization === 'string') {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      if (!m) return { ok: false, status: 401, reason: 'Authorization must be "Bearer <token>"' };
      token = m[1];
    }
    if (token === undefined) return { ok: false, status: 401, reason: 'credentials required: Authorization: Bearer <jwt> or X-API-Key: <key>' };
    let identity: Identity;
    try {
      identity = await this.authenticate(token);
    } catch (err) {
      return { ok: false, status: 401, reason: err instanceof TokenRejected ? err.message : 'credentials rejected' };
    }
    if (!roleAllows(identity.role, minRole)) return { ok: false, status: 403, reason: `this resource needs the ${minRole} role` };
    return { ok: true, identity };
  }

  /**
   * `authenticateHttp` for route handlers: on failure it answers 401/403 (JSON body, and
   * `WWW-Authenticate` on 401) and resolves undefined; on success it resolves the identity.
   */
  async requireHttp(req: IncomingMessage, res: ServerResponse, minRole: Role = 'viewer'): Promise<Identity | undefined> {
    const r = await this.authenticateHttp(req, minRole);
    if (r.ok) return r.identity;
    const body = JSON.stringify({ error: r.status === 401 ? 'unauthorized' : 'forbidden', reason: r.reason });
    res.writeHead(r.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
      ...(r.status === 401 ? { 'www-authenticate': 'Bearer realm="camera-service"' } : {}),
    });
    res.end(body);
    return undefined;
  }

  /** True when `identity` came from an API key that is no longer in the store. */
  revoked(identity: Identity): boolean {
    return identity.method === 'api_key' && identity.keyId !== undefined && !this.keys?.has(identity.keyId);
  }

  /** Ends the authentication of sessions whose API key is gone from the store; returns how many. */
  endRevokedSessions(sessions: Iterable<Session>): number {
    if (!this.keys) return 0;
    let n = 0;
    for (const s of sessions) {
      const keyId = s.auth?.method === 'api_key' ? s.auth.keyId : undefined;
      if (keyId === undefined || this.keys.has(keyId)) continue;
      delete s.auth;
      s.authEnded = 'the API key of this session was revoked; authenticate again';
      n++;
    }
    return n;
  }
}
