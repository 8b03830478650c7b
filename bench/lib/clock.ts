/**
 * The clock shared with the service: CLOCK_MONOTONIC as Node reads it (process.hrtime, in ms).
 * Every process on this host reads the same clock, and NTP never steps it, so a time the
 * service reports (`event_monotonic_ms` of add/remove_test_camera) can be compared with a
 * receipt time taken here. performance.now() reads the same clock minus this process's time
 * origin, so receipt times already taken with performance.now() convert exactly.
 */
export const monotonicNow = (): number => Number(process.hrtime.bigint()) / 1e6;

/** CLOCK_MONOTONIC − performance.now(), in ms: constant for the life of the process. */
const OFFSET = (() => {
  const a = performance.now();
  const h = monotonicNow();
  const b = performance.now();
  return h - (a + b) / 2;
})();

/** A performance.now() reading of this process on the shared monotonic clock. */
export const toMonotonic = (perfNow: number): number => perfNow + OFFSET;
