/**
 * Admission of WebSocket upgrades: the Origin allow-list (browsers send Origin; other clients
 * usually do not, and a request without Origin is admitted), the total connection limit and
 * the per-IP limit, and the smaller limits of connections not (yet) authenticated: in total
 * (the rest of `maxConnections` is a reserve only authenticated connections use) and per
 * address. A newcomer that finds the unauthenticated pool (or every slot) full may displace
 * the longest-waiting unauthenticated connection of the address holding the most of them: when
 * its own address holds fewer (so a client from a fresh address gets in however many addresses
 * keep the pool full), or when that connection has had `evictAfterMs` to authenticate.
 * Authenticated connections are never displaced.
 * Pure: the caller counts, this decides.
 */

export interface GateLimits {
  maxConnections: number;
  maxConnectionsPerIp: number;
  /** Exact origins (`scheme://host[:port]`), or `*` for any. */
  allowedOrigins: readonly string[];
  /** Connections not authenticated at once, at most (the rest of maxConnections is for authenticated ones). */
  maxUnauthenticated: number;
  /** Connections not authenticated from one address at once, at most. */
  maxUnauthenticatedPerIp: number;
  /** An unauthenticated connection may be displaced by a newcomer once it is this old. */
  evictAfterMs: number;
}

export type GateDecision =
  | { ok: true; /** Close the longest-waiting unauthenticated connection to make room. */ evict?: true }
  | { ok: false; status: 403 | 429 | 503; reason: string };

export interface GateCounts {
  origin: string | undefined;
  /** Open connections (authenticated or not). */
  total: number;
  fromIp: number;
  /** Open connections not authenticated (0 when not counted). */
  unauthenticated?: number;
  unauthenticatedFromIp?: number;
  /**
   * The displacement candidate: the longest-waiting open unauthenticated connection of the
   * address holding the most of them (how long it has waited, and how many that address holds).
   */
  candidate?: { waitedMs: number; fromIp: number };
}

export function normalizeOrigin(origin: string): string {
  return origin.trim().replace(/\/+$/, '').toLowerCase();
}

export function originAllowed(origin: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (allowed.includes('*')) return true;
  const o = normalizeOrigin(origin);
  return allowed.some((a) => normalizeOrigin(a) === o);
}

/** Decides one (unauthenticated) upgrade given the connections already open in total and from this address. */
export function admit(limits: GateLimits, req: GateCounts): GateDecision {
  if (!originAllowed(req.origin, limits.allowedOrigins)) return { ok: false, status: 403, reason: 'origin not allowed' };
  const unauth = req.unauthenticated ?? 0;
  if (req.total >= limits.maxConnections && unauth === 0) return { ok: false, status: 503, reason: 'too many connections' };
  if (req.fromIp >= limits.maxConnectionsPerIp) return { ok: false, status: 429, reason: 'too many connections from this address' };
  if ((req.unauthenticatedFromIp ?? 0) >= limits.maxUnauthenticatedPerIp) {
    return { ok: false, status: 429, reason: 'too many unauthenticated connections from this address' };
  }
  if (req.total < limits.maxConnections && unauth < Math.min(limits.maxUnauthenticated, limits.maxConnections)) return { ok: true };
  const c = req.candidate;
  if (c && ((req.unauthenticatedFromIp ?? 0) + 1 < c.fromIp || c.waitedMs >= limits.evictAfterMs)) return { ok: true, evict: true };
  return { ok: false, status: 503, reason: 'too many connections' };
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

/** Every limit the WebSocket server enforces (see ws-server.ts), with their defaults. */
export interface WsLimits extends GateLimits {
  /** Token bucket refill rate, requests per second, per connection. */
  requestsPerSecond: number;
  /** Token bucket capacity (burst), per connection. */
  requestBurst: number;
  unauthenticatedTimeoutMs: number;
  sendBufferLimit: number;
  /** Largest message accepted from a connection that is not authenticated (bytes). */
  unauthenticatedMaxMessage: number;
}

export const DEFAULT_LIMITS: WsLimits = {
  maxConnections: 1000,
  maxConnectionsPerIp: 100,
  allowedOrigins: ['*'],
  requestsPerSecond: 50,
  requestBurst: 100,
  unauthenticatedTimeoutMs: 10_000,
  sendBufferLimit: 1024 * 1024,
  maxUnauthenticated: 200,
  maxUnauthenticatedPerIp: 10,
  evictAfterMs: 1000,
  unauthenticatedMaxMessage: 64 * 1024,
};
