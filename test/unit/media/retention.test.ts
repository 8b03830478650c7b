import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAY_MS, GIB, limitsFor, normalizePolicy, selectForDeletion, type RetentionFile, type RetentionPolicy } from '../../../src/media/retention.js';

const NOW = Date.parse('2026-03-01T00:00:00Z');
const f = (name: string, ageDays: number, size: number, kind: RetentionFile['kind'] = 'recordings', busy = false): RetentionFile => ({
  kind, name, size, mtimeMs: NOW - ageDays * DAY_MS, busy,
});
const names = (files: RetentionFile[]) => files.map((x) => x.name);

const TREE = [
  f('new.mp4', 0.5, 300),
  f('week.mp4', 7, 200),
  f('month.mp4', 31, 100),
  f('old-snap.jpg', 40, 10, 'snapshots'),
  f('year.mkv', 365, 400),
  f('old-but-recording.mp4', 400, 1000, 'recordings', true),
];

describe('retention selection', () => {
  it('age: exactly the files older than the limit, oldest first, never a file being written', () => {
    assert.deepEqual(names(selectForDeletion(TREE, { maxAgeMs: 30 * DAY_MS }, NOW)), ['year.mkv', 'old-snap.jpg', 'month.mp4']);
    assert.deepEqual(names(selectForDeletion(TREE, { maxAgeMs: 1000 * DAY_MS }, NOW)), []);
    assert.deepEqual(names(selectForDeletion(TREE, { maxAgeMs: 0 }, NOW)), ['year.mkv', 'old-snap.jpg', 'month.mp4', 'week.mp4', 'new.mp4']);
  });

  it('size: the oldest files until the total fits; busy files count but stay', () => {
    // total 2010; limit 1500 -> drop year (400) and old-snap (10) -> 1600, month (100) -> 1500
    assert.deepEqual(names(selectForDeletion(TREE, { maxBytes: 1500 }, NOW)), ['year.mkv', 'old-snap.jpg', 'month.mp4']);
    assert.deepEqual(names(selectForDeletion(TREE, { maxBytes: 2010 }, NOW)), []);
    // even everything deletable is not enough: all of it goes, the busy file stays
    assert.deepEqual(names(selectForDeletion(TREE, { maxBytes: 0 }, NOW)), ['year.mkv', 'old-snap.jpg', 'month.mp4', 'week.mp4', 'new.mp4']);
  });

  it('both limits (manual cleanup): age first, then size on what is left', () => {
    assert.deepEqual(names(selectForDeletion(TREE, { maxAgeMs: 35 * DAY_MS, maxBytes: 1300 }, NOW)), ['year.mkv', 'old-snap.jpg', 'month.mp4', 'week.mp4']);
  });

  it('ties on time are broken by name, so the order is stable', () => {
    const same = [f('b.mp4', 10, 1), f('a.mp4', 10, 1), f('c.jpg', 10, 1, 'snapshots')];
    assert.deepEqual(names(selectForDeletion(same, { maxAgeMs: DAY_MS }, NOW)), ['a.mp4', 'b.mp4', 'c.jpg']);
  });
});

describe('retention policy', () => {
  const base: RetentionPolicy = { policy_type: 'manual', enabled: true, max_age_days: 30, max_size_gb: 2 };
  it('limits by type and trigger', () => {
    assert.deepEqual(limitsFor({ ...base, policy_type: 'age' }, 'scheduled'), { maxAgeMs: 30 * DAY_MS });
    assert.deepEqual(limitsFor({ ...base, policy_type: 'size' }, 'on_demand'), { maxBytes: 2 * GIB });
    assert.equal(limitsFor(base, 'scheduled'), undefined, 'manual: never on schedule');
    assert.deepEqual(limitsFor(base, 'on_demand'), { maxAgeMs: 30 * DAY_MS, maxBytes: 2 * GIB });
    assert.equal(limitsFor({ ...base, policy_type: 'age', enabled: false }, 'on_demand'), undefined);
    assert.equal(limitsFor({ ...base, max_age_days: null, max_size_gb: null }, 'on_demand'), undefined);
  });

  it('set_retention_policy: given limits replace, missing ones keep the previous value', () => {
    assert.deepEqual(normalizePolicy({ policy_type: 'age', enabled: true, max_age_days: 7 }, base), { ok: true, policy: { ...base, policy_type: 'age', max_age_days: 7 } });
    assert.deepEqual(normalizePolicy({ policy_type: 'size', enabled: false }, base), { ok: true, policy: { ...base, policy_type: 'size', enabled: false } });
    const none = { ...base, max_age_days: null, max_size_gb: null };
    const r = normalizePolicy({ policy_type: 'size', enabled: true }, none);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.param, 'max_size_gb');
  });
});
