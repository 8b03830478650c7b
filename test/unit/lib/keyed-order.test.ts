import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyedOrder } from '../../../src/lib/keyed-order.js';

const deferred = () => {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((a, b) => ((resolve = a), (reject = b)));
  return { promise, resolve, reject };
};
const settle = () => new Promise((r) => setImmediate(r));

describe('KeyedOrder (per-key order behind a gate)', () => {
  it('with no gate and nothing pending, a task runs at once, in the caller’s turn', () => {
    const o = new KeyedOrder();
    const ran: string[] = [];
    o.run('a', () => ran.push('a1'));
    assert.deepEqual(ran, ['a1']);
    assert.equal(o.pending, 0);
  });

  it('a gated task holds back the later tasks of its key, not those of other keys; order is kept', async () => {
    const o = new KeyedOrder();
    const ran: string[] = [];
    const gate = deferred();
    o.run('a', () => ran.push('a1 connected'), gate.promise);
    o.run('a', () => ran.push('a2 disconnected'));
    o.run('b', () => ran.push('b1'));
    await settle();
    assert.deepEqual(ran, ['b1']);
    gate.resolve();
    await settle();
    assert.deepEqual(ran, ['b1', 'a1 connected', 'a2 disconnected']);
    assert.equal(o.pending, 0);
    o.run('a', () => ran.push('a3'));
    assert.deepEqual(ran.at(-1), 'a3', 'idle again: runs at once');
  });

  it('a rejected gate delays its task but does not drop it; a throwing task does not stop the next', async () => {
    const o = new KeyedOrder();
    const ran: string[] = [];
    const gate = deferred();
    o.run('a', () => {
      ran.push('a1');
      throw new Error('boom');
    }, gate.promise);
    o.run('a', () => ran.push('a2'));
    gate.reject(new Error('MediaMTX down'));
    await settle();
    assert.deepEqual(ran, ['a1', 'a2']);
  });
});
