import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attemptAfterRun, backoffDelay, backoffPolicy, DEFAULT_BACKOFF } from '../../../src/lib/backoff.js';

const middle = () => 0.5; // no jitter effect

describe('backoff policy', () => {
  it('defaults: 250 ms base, doubling, 30 s cap, reset after a stable minute', () => {
    assert.deepEqual(DEFAULT_BACKOFF, { baseMs: 250, factor: 2, capMs: 30_000, jitter: 0.2, stableAfterMs: 60_000 });
    const delays = Array.from({ length: 10 }, (_, i) => backoffDelay(i, DEFAULT_BACKOFF, middle));
    assert.deepEqual(delays, [250, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('jitter spreads delays by +-20% and never beyond the cap', () => {
    assert.equal(backoffDelay(0, DEFAULT_BACKOFF, () => 0), 200);
    assert.equal(backoffDelay(0, DEFAULT_BACKOFF, () => 0.999999), 300);
    assert.equal(backoffDelay(3, DEFAULT_BACKOFF, () => 0.25), 1800);
    assert.equal(backoffDelay(20, DEFAULT_BACKOFF, () => 0.999999), 30_000);
    assert.equal(backoffDelay(20, DEFAULT_BACKOFF, () => 0), 24_000);
  });

  it('a huge attempt number stays finite', () => {
    assert.equal(backoffDelay(10_000, DEFAULT_BACKOFF, middle), 30_000);
  });

  it('a run of at least stableAfterMs resets the attempt counter', () => {
    assert.equal(attemptAfterRun(6, 59_999, DEFAULT_BACKOFF), 6);
    assert.equal(attemptAfterRun(6, 60_000, DEFAULT_BACKOFF), 0);
  });

  it('overrides are merged and validated', () => {
    assert.equal(backoffPolicy({ baseMs: 10 }).capMs, 30_000);
    assert.throws(() => backoffPolicy({ baseMs: 100, capMs: 50 }), RangeError);
    assert.throws(() => backoffPolicy({ factor: 0.5 }), RangeError);
    assert.throws(() => backoffPolicy({ jitter: 2 }), RangeError);
    assert.throws(() => backoffPolicy({ baseMs: Number.NaN }), RangeError);
  });
});
