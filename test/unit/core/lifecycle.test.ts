import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Lifecycle, type Module } from '../../../src/core/lifecycle.js';

function recorder() {
  const calls: string[] = [];
  const mod = (name: string, fail?: 'start' | 'stop'): Module => ({
    name,
    start: () => {
      calls.push(`start ${name}`);
      if (fail === 'start') throw new Error(`${name} cannot start`);
    },
    drain: () => void calls.push(`drain ${name}`),
    stop: async () => {
      calls.push(`stop ${name}`);
      if (fail === 'stop') throw new Error(`${name} cannot stop`);
    },
  });
  return { calls, mod };
}

describe('Lifecycle', () => {
  it('starts in list order, then drains and stops in reverse order', async () => {
    const { calls, mod } = recorder();
    const l = new Lifecycle([mod('a'), mod('b'), mod('c')]);
    await l.start();
    await l.stop();
    assert.deepEqual(calls, ['start a', 'start b', 'start c', 'drain c', 'drain b', 'drain a', 'stop c', 'stop b', 'stop a']);
  });

  it('a failed start stops what was started (the failed module included) and rethrows', async () => {
    const { calls, mod } = recorder();
    const l = new Lifecycle([mod('a'), mod('b', 'start'), mod('c')]);
    await assert.rejects(l.start(), /b cannot start/);
    assert.deepEqual(calls, ['start a', 'start b', 'drain b', 'drain a', 'stop b', 'stop a']);
  });

  it('stop is idempotent and goes on past a failing module, rethrowing its error at the end', async () => {
    const { calls, mod } = recorder();
    const l = new Lifecycle([mod('a'), mod('b', 'stop')]);
    await l.start();
    const first = l.stop();
    assert.equal(l.stop(), first);
    await assert.rejects(first, /b cannot stop/);
    assert.deepEqual(calls.slice(2), ['drain b', 'drain a', 'stop b', 'stop a']);
  });

  it('stop before start does nothing; modules without hooks are fine', async () => {
    const l = new Lifecycle([{ name: 'bare' }]);
    await l.stop();
    const m = new Lifecycle([{ name: 'bare' }]);
    await m.start();
    await m.stop();
  });

  it('refuses a module listed twice', () => {
    assert.throws(() => new Lifecycle([{ name: 'x' }, { name: 'x' }]), /listed twice/);
  });
});
