/**
 * Signed download links: a `download_url` a browser can open without an Authorization header.
 * The link carries its expiry, the role of the caller it was issued to and an HMAC-SHA256 over
 * `GET`, the request path (as sent, percent-encoded), the expiry and the role, keyed with a
 * secret drawn at start (links die with the process; a restart issues new ones). Pure apart from
 * the random secret: `now` is passed in.
 *
 *   /files/recordings/camera0_x.mp4?exp=1767312000&role=viewer&sig=<base64url>
 *
 * A request carrying any of `exp`, `role`, `sig` is judged by the signature alone (a bad one is
 * 403 even with valid credentials beside it); a request without them needs credentials as before.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isRole, roleAllows, type Role } from '../api/auth/roles.js';

export const SIGNED_PARAMS = ['exp', 'role', 'sig'] as const;

export type LinkCheck = { ok: true; role: Role } | { ok: false; reason: string };

function mac(secret: Buffer, path: string, exp: number, role: string): Buffer {
  return createHmac('sha256', secret).update(`GET\n${path}\n${exp}\n${role}`).digest();
}

/** Appends the signature query to `path` (which has none). */
export function signPath(secret: Buffer, path: string, role: Role, exp: number): string {
  return `${path}?exp=${exp}&role=${role}&sig=${mac(secret, path, exp, role).toString('base64url')}`;
}

/** True when a request target carries signed-link parameters (so the signature decides). */
export function hasSignature(query: URLSearchParams): boolean {
  return SIGNED_PARAMS.some((p) => query.has(p));
}

/**
 * Checks a signed request: `path` as sent (before `?`), `query` its parameters, `nowS` the
 * current Unix time in seconds. The role must still reach `minRole`.
 */
export function checkSignedPath(secret: Buffer, path: string, query: URLSearchParams, nowS: number, minRole: Role = 'viewer'): LinkCheck {
  const exp = query.get('exp');
  const role = query.get('role');
  const sig = query.get('sig');
  if (exp === null || role === null || sig === null) return { ok: false, reason: 'a signed link needs exp, role and sig' };
  if (!/^[0-9]{1,12}$/.test(exp)) return { ok: false, reason: 'exp must be a Unix time in seconds' };
  if (!isRole(role)) return { ok: false, reason: 'role is not a role' };
  const expected = mac(secret, path, Number(exp), role);
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'the signature does not match this file (changed or for another file); ask for a new download_url' };
  }
  if (Number(exp) <= nowS) return { ok: false, reason: 'the link has expired; ask for a new download_url' };
  if (!roleAllows(role, minRole)) return { ok: false, reason: `this resource needs the ${minRole} role` };
  return { ok: true, role };
}

/** How many issued links are remembered (one per file and role); the memory is cleared when full. */
const CACHE_MAX = 4096;

/**
 * Issues and checks the links of one run. Expiry times are rounded up to a step (a tenth of
 * the lifetime, at most a minute), so every link of one file and role issued within a step is
 * the same and its signature is computed once (a list of 50 files answered 500 times a second
 * would otherwise be 25,000 HMACs a second); a link lives at least `lifetimeS`, at most one
 * step and one second longer.
 */
export class DownloadLinks {
  readonly #secret: Buffer;
  readonly #step: number;
  readonly #issued = new Map<string, { exp: number; url: string }>();

  constructor(
    /** Least lifetime of an issued link in seconds. */
    readonly lifetimeS: number,
    private readonly now: () => number = Date.now,
    secret: Buffer = randomBytes(32),
  ) {
    this.#secret = secret;
    this.#step = Math.max(1, Math.min(60, Math.floor(lifetimeS / 10)));
  }

  /** `path` (e.g. `/files/recordings/x.mp4`) signed for `role`, valid for at least lifetimeS from now. */
  sign(path: string, role: Role): string {
    // Whole seconds rounded up: a link issued at T.999 must not expire at T + lifetimeS.
    const exp = Math.ceil((Math.ceil(this.now() / 1000) + this.lifetimeS) / this.#step) * this.#step;
    const key = `${role}\n${path}`;
    const hit = this.#issued.get(key);
    if (hit?.exp === exp) return hit.url;
    if (this.#issued.size >= CACHE_MAX) this.#issued.clear();
    const url = signPath(this.#secret, path, role, exp);
    this.#issued.set(key, { exp, url });
    return url;
  }

  check(path: string, query: URLSearchParams): LinkCheck {
    return checkSignedPath(this.#secret, path, query, Math.floor(this.now() / 1000));
  }
}
