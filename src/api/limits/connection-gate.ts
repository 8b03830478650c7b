/**
 * Admission of WebSocket upgrades: the Origin allow-list (browsers send Origin; other clients
 * usually do not, and a request without Origin is admitted), the total connection limit and
 * the per-IP limit. Pure: the caller counts, this decides.
 */

export interface GateLimits {
  maxConnections: number;
  maxConnectionsPerIp: number;
  /** Exact origins (`scheme://host[:port]`), or `*` for any. */
  allowedOrigins: readonly string[];
}

export type GateDecision = { ok: true } | { ok: false; status: 403 | 429 | 503; reason: string };

export function normalizeOrigin(origin: string): string {
  return origin.trim().replace(/\/+$/, '').toLowerCase();
}

export function originAllowed(origin: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (allowed.includes('*')) return true;
  const o = normalizeOrigin(origin);
  return allowed.some((a) => normalizeOrigin(a) === o);
}

/** Decides one upgrade given the connections already open in total and from this address. */
export function admit(limits: GateLimits, req: { origin: string | undefined; total: number; fromIp: number }): GateDecision {
  if (!originAllowed(req.origin, limits.allowedOrigins)) return { ok: false, status: 403, reason: 'origin not allowed' };
  if (req.total >= limits.maxConnections) return { ok: false, status: 503, reason: 'too many connections' };
  if (req.fromIp >= limits.maxConnectionsPerIp) return { ok: false, status: 429, reason: 'too many connections from this address' };
  return { ok: true };
}

/** Open connections per remote address. */
export class ConnectionCounter {
  readonly #byIp = new Map<string, number>();
  #total = 0;

  get total(): number {
    return this.#total;
  }

  from(ip: string): number {
    return this.#byIp.get(ip) ?? 0;
  }

  add(ip: string): void {
    this.#byIp.set(ip, this.from(ip) + 1);
    this.#total++;
  }

  remove(ip: string): void {
    const n = this.from(ip);
    if (n <= 0) return;
    if (n === 1) this.#byIp.delete(ip);
    else this.#byIp.set(ip, n - 1);
    this.#total--;
  }
}
