/**
 * Who may do what on the managed MediaMTX when `mediamtx.media_auth` is `token`: the decision
 * behind MediaMTX's HTTP authentication hook (`authMethod: http`). Pure: MediaMTX's request
 * and the service's per-run credentials in, a decision out; verifying a client's token
 * (JWT or API key) is the adapter's job (`media-auth-hook.ts`).
 *
 * - publish: the service's FFmpeg publishers only (per-run publisher credentials, loopback);
 * - api, metrics, pprof: the service only (per-run API credentials, loopback);
 * - read, playback: the service's own readers (per-run reader credentials, loopback: recorders,
 *   snapshots, live tap) or a client with a JWT or API key of at least the viewer role, taken
 *   from `Authorization: Bearer` (HLS, WebRTC), the RTSP password (`rtsp://any:<token>@host/…`)
 *   or a `token` query parameter.
 * Anything else is refused.
 */
import { timingSafeEqual } from 'node:crypto';
import { isLoopback } from '../lib/net.js';
import { roleAllows, type Role } from '../api/auth/roles.js';

/** The body MediaMTX posts to the hook (MediaMTX v1.20 `internal/auth/manager.go`). */
export interface MediaAuthRequest {
  ip: string;
  user: string;
  password: string;
  token: string;
  action: string;
  path: string;
  protocol: string;
  query: string;
}

export interface Credentials {
  user: string;
  pass: string;
}

/** The service's own per-run credentials on its MediaMTX. */
export interface ServiceCredentials {
  publisher: Credentials;
  api: Credentials;
  reader: Credentials;
}

export type MediaAuthDecision =
  | { kind: 'allow'; who: 'publisher' | 'api' | 'reader' }
  | { kind: 'deny'; status: 401 | 403; reason: string }
  /** A client's token: allowed when it verifies and its role is at least viewer (`roleDecision`). */
  | { kind: 'verify'; token: string };

/** The role a media reader needs. */
export const MEDIA_READ_ROLE: Role = 'viewer';

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function presents(req: MediaAuthRequest, c: Credentials): boolean {
  // Both compared (no early exit on the user name); an empty password never matches.
  const user = same(req.user, c.user);
  const pass = same(req.password, c.pass);
  return user && pass && c.pass !== '';
}

/** A client token: MediaMTX's `token` (Bearer, or RTSP `?token=`), else the password, else `token` in the query. */
export function clientToken(req: MediaAuthRequest): string {
  if (req.token !== '') return req.token;
  if (req.password !== '') return req.password;
  const q = new URLSearchParams(req.query).getAll('token');
  return q.length === 1 ? q[0]! : '';
}

export function decideMediaAccess(req: MediaAuthRequest, own: ServiceCredentials): MediaAuthDecision {
  const local = isLoopback(req.ip);
  switch (req.action) {
    case 'publish':
      if (local && presents(req, own.publisher)) return { kind: 'allow', who: 'publisher' };
      return { kind: 'deny', status: 401, reason: 'only the service publishes to its MediaMTX' };
    case 'api':
    case 'metrics':
    case 'pprof':
      if (local && presents(req, own.api)) return { kind: 'allow', who: 'api' };
      return { kind: 'deny', status: 401, reason: 'the MediaMTX API is for the service only' };
    case 'read':
    case 'playback': {
      if (local && presents(req, own.reader)) return { kind: 'allow', who: 'reader' };
      // The service's reader name with a wrong password, or from afar, is not a token.
      if (req.user === own.reader.user) return { kind: 'deny', status: 401, reason: 'wrong credentials' };
      const token = clientToken(req);
      if (token === '') return { kind: 'deny', status: 401, reason: 'credentials required: a JWT or API key as Bearer token, RTSP password or ?token=' };
      return { kind: 'verify', token };
    }
    default:
      return { kind: 'deny', status: 403, reason: `action ${req.action} is not allowed` };
  }
}

/** The outcome for a verified token (`role`), or a rejected one (`undefined`, with the reason). */
export function roleDecision(role: Role | undefined, rejected = 'credentials rejected'): MediaAuthDecision {
  if (role === undefined) return { kind: 'deny', status: 401, reason: rejected };
  if (!roleAllows(role, MEDIA_READ_ROLE)) return { kind: 'deny', status: 403, reason: `reading media needs the ${MEDIA_READ_ROLE} role` };
  return { kind: 'allow', who: 'reader' };
}
