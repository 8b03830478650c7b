import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenBucket } from '../../../src/api/limits/token-bucket.js';

describe('token bucket', () => {
  it('grants the burst at once, then refuses with the wait until the next token', () => {
    let now = 0;
    const b = new TokenBucket(3, 2, () => now);
    assert.deepEqual([b.take(), b.take(), b.take()], [0, 0, 0]);
    assert.equal(b.take(), 500);
    now = 250;
    assert.equal(b.take(), 250);
    now = 500;
    assert.equal(b.take(), 0);
    assert.equal(b.take(), 500);
  });

  it('refills continuously up to the capacity, never beyond', () => {
    let now = 0;
    const b = new TokenBucket(5, 10, () => now);
    for (let i = 0; i < 5; i++) b.take();
    now = 10_000;
    assert.equal(b.available, 5);
    let granted = 0;
    while (b.take() === 0) granted++;
    assert.equal(granted, 5);
  });

  it('a refused request takes nothing: waiting the advertised time is enough', () => {
    let now = 0;
    const b = new TokenBucket(1, 0.5, () => now);
    assert.equal(b.take(), 0);
    const wait = b.take();
    assert.equal(wait, 2000);
    for (let i = 0; i < 10; i++) assert.ok(b.take() > 0);
    now += wait;
    assert.equal(b.take(), 0);
  });

  it('rejects nonsense parameters', () => {
    assert.throws(() => new TokenBucket(0, 1));
    assert.throws(() => new TokenBucket(1, 0));
  });
});
