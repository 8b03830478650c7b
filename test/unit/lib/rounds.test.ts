import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Rounds } from '../../../src/lib/rounds.js';

describe('Rounds (work spread over a period)', () => {
  it('one round of `slices` ticks visits every member exactly once, in batches of about size/slices', () => {
    const r = new Rounds<number>(10);
    for (let i = 0; i < 1000; i++) r.add(i);
    const seen: number[] = [];
    for (let t = 0; t < 10; t++) {
      const batch = r.tick();
      assert.equal(batch.length, 100, `tick ${t}`);
      seen.push(...batch);
    }
    assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
    assert.equal(r.tick().length, 100, 'the next round starts over');
  });

  it('deleted members are not visited; members added mid-round are visited within the next round', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 16 }), fc.array(fc.tuple(fc.constantFrom('add', 'delete', 'tick'), fc.integer({ min: 0, max: 40 })), { maxLength: 200 }), (slices, ops) => {
        const r = new Rounds<number>(slices);
        const members = new Set<number>();
        const lastSeen = new Map<number, number>();
        const addedAt = new Map<number, number>();
        let tick = 0;
        for (const [op, x] of ops) {
          if (op === 'add') {
            if (!members.has(x)) addedAt.set(x, tick);
            members.add(x);
            r.add(x);
          } else if (op === 'delete') {
            members.delete(x);
            lastSeen.delete(x);
            r.delete(x);
          } else {
            for (const m of r.tick()) {
              assert.ok(members.has(m), `visited ${m} after it was deleted`);
              lastSeen.set(m, tick);
            }
            tick++;
          }
          assert.equal(r.size, members.size);
          // every member was visited in the last `slices` ticks, or joined less than a round ago
          for (const m of members) {
            const since = Math.max(lastSeen.get(m) ?? -Infinity, addedAt.get(m)!);
            assert.ok(tick - since <= slices, `member ${m} not visited for ${tick - since} ticks (${slices} slices)`);
          }
        }
      }),
    );
  });

  it('a few members are spread over the whole round, not dealt into its first ticks', () => {
    for (const [slices, members] of [[1000, 100], [1000, 7], [100, 10], [12, 3]] as const) {
      const r = new Rounds<number>(slices);
      for (let i = 0; i < members; i++) r.add(i);
      const due: number[] = [];
      for (let t = 0; t < slices; t++) if (r.tick().length) due.push(t);
      const gaps = due.map((t, i) => (due[(i + 1) % due.length]! - t + slices) % slices || slices);
      assert.ok(Math.max(...gaps) <= (3 * slices) / members, `${members} of ${slices}: ticks ${due.join(',')}`);
    }
  });

  it('refuses a slice count that is not a positive integer', () => {
    assert.throws(() => new Rounds(0), RangeError);
    assert.throws(() => new Rounds(1.5), RangeError);
  });

  it('over(period, tick): slices so a tick lasts about `tick` ms, at most 1000, at least 1', () => {
    const heartbeat = Rounds.over<number>(30_000, 30);
    assert.deepEqual([heartbeat.slices, heartbeat.everyMs], [1000, 30]);
    const long = Rounds.over<number>(120_000, 30);
    assert.deepEqual([long.slices, long.everyMs], [1000, 120]);
    const sweep = Rounds.over<number>(250, 10);
    assert.deepEqual([sweep.slices, sweep.everyMs], [25, 10]);
    const short = Rounds.over<number>(5, 10);
    assert.deepEqual([short.slices, short.everyMs], [1, 5]);
  });
});
