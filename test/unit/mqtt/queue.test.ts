import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reconnectDelayMs } from '../../../src/mqtt/backoff.js';
import { DropOldestQueue } from '../../../src/mqtt/queue.js';

describe('mqtt offline queue and reconnect backoff', () => {
  it('keeps the newest `capacity` items, drops the oldest first and counts drops', () => {
    const q = new DropOldestQueue<number>(3);
    assert.deepEqual([1, 2, 3].map((n) => q.push(n)), [0, 0, 0]);
    assert.equal(q.push(4), 1);
    assert.equal(q.push(5), 1);
    assert.equal(q.size, 3);
    assert.equal(q.dropped, 2);
    assert.deepEqual(q.drain(), [3, 4, 5]);
    assert.equal(q.size, 0);
    assert.deepEqual(q.drain(), []);
    assert.equal(q.dropped, 2);
  });

  it('capacity 0 drops everything; invalid capacities are refused', () => {
    const q = new DropOldestQueue<string>(0);
    assert.equal(q.push('a'), 1);
    assert.deepEqual(q.drain(), []);
    assert.equal(q.dropped, 1);
    assert.throws(() => new DropOldestQueue(-1), RangeError);
    assert.throws(() => new DropOldestQueue(1.5), RangeError);
  });

  it('reconnect delays double from min up to max', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 10, 1000].map((n) => reconnectDelayMs(n, 500, 5000)), [500, 1000, 2000, 4000, 5000, 5000, 5000]);
    assert.equal(reconnectDelayMs(3, 1000, 100), 1000, 'max below min: min wins');
  });
});
