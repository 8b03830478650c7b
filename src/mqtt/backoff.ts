/** Reconnect delays: `min` doubling per failed attempt up to `max`. Pure. */
export function reconnectDelayMs(failedAttempts: number, minMs: number, maxMs: number): number {
  const n = Math.max(0, Math.min(30, Math.floor(failedAttempts)));
  return Math.min(Math.max(minMs, maxMs), minMs * 2 ** n);
}
