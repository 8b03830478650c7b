/**
 * Restart delays: exponential backoff with jitter, reset once a process has run stably.
 * Pure; randomness is injected.
 */

export interface BackoffPolicy {
  /** Delay before the first restart (ms). */
  baseMs: number;
  /** Growth per consecutive failed attempt. */
  factor: number;
  /** Upper bound of any delay (ms). */
  capMs: number;
  /** Spread as a fraction of the delay: 0.2 gives delay x [0.8, 1.2), still capped at capMs. */
  jitter: number;
  /** A process that ran at least this long counts as stable: the next delay starts at baseMs again. */
  stableAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  baseMs: 250,
  factor: 2,
  capMs: 30_000,
  jitter: 0.2,
  stableAfterMs: 60_000,
};

/** Fills defaults and rejects nonsense (negative delays, factor < 1, jitter outside 0..1). */
export function backoffPolicy(overrides: Partial<BackoffPolicy> = {}): BackoffPolicy {
  const p = { ...DEFAULT_BACKOFF, ...overrides };
  if (!(p.baseMs >= 0) || !(p.capMs >= p.baseMs)) throw new RangeError('backoff needs 0 <= baseMs <= capMs');
  if (!(p.factor >= 1)) throw new RangeError('backoff factor must be >= 1');
  if (!(p.jitter >= 0 && p.jitter <= 1)) throw new RangeError('backoff jitter must be within 0..1');
  if (!(p.stableAfterMs >= 0)) throw new RangeError('backoff stableAfterMs must be >= 0');
  return p;
}

/**
 * Delay before restart number `attempt` (0 = first restart after a stable period).
 * `random` returns values in [0, 1) like Math.random.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const raw = Math.min(policy.capMs, policy.baseMs * policy.factor ** Math.max(0, attempt));
  const spread = 1 - policy.jitter + 2 * policy.jitter * random();
  return Math.round(Math.min(policy.capMs, raw * spread));
}

/** The attempt number to use after a process that ran `ranMs` exited: 0 when it was stable. */
export function attemptAfterRun(previousAttempt: number, ranMs: number, policy: BackoffPolicy): number {
  return ranMs >= policy.stableAfterMs ? 0 : previousAttempt;
}
