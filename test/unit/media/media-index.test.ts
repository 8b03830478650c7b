import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { MediaFile } from '../../../src/media/library.js';
import { MediaIndex, newestFirst } from '../../../src/media/media-index.js';
import { BAD_NAMES } from './traversal-cases.js';

const file = (name: string, mtimeMs: number, size = 1): MediaFile => ({ kind: 'recordings', name, size, mtimeMs, createdMs: mtimeMs });
const names = (files: MediaFile[]) => files.map((f) => f.name);

describe('media index', () => {
  it('pages newest first by modification time, ties by name descending, exactly like slicing the sorted list', () => {
    const idx = new MediaIndex('recordings');
    for (const f of [file('a.mp4', 10), file('b.mp4', 30), file('c.mp4', 20), file('x_part2.mp4', 30), file('x.mp4', 30)]) idx.set(f);
    assert.deepEqual(names(idx.all()), ['x_part2.mp4', 'x.mp4', 'b.mp4', 'c.mp4', 'a.mp4']);
    assert.deepEqual(idx.page(0, 2), { files: idx.all().slice(0, 2), total: 5 });
    assert.deepEqual(names(idx.page(2, 2).files), ['b.mp4', 'c.mp4']);
    assert.deepEqual(names(idx.page(4, 50).files), ['a.mp4']);
    assert.deepEqual(idx.page(5, 50), { files: [], total: 5 });
    assert.deepEqual(idx.page(100, 1), { files: [], total: 5 });
    assert.deepEqual(new MediaIndex('snapshots').page(0, 50), { files: [], total: 0 });
  });

  it('add, update (re-sorted) and remove keep the count and the byte total', () => {
    const idx = new MediaIndex('recordings');
    assert.equal(idx.set(file('a.mp4', 1, 100)), true);
    assert.equal(idx.set(file('b.mp4', 2, 200)), true);
    assert.deepEqual([idx.size, idx.totalBytes], [2, 300]);
    assert.equal(idx.set(file('a.mp4', 1, 100)), false, 'unchanged');
    // a.mp4 grows and is modified later: it moves to the front.
    assert.equal(idx.set(file('a.mp4', 3, 150)), true);
    assert.deepEqual(names(idx.all()), ['a.mp4', 'b.mp4']);
    assert.deepEqual([idx.size, idx.totalBytes, idx.get('a.mp4')?.size], [2, 350, 150]);
    assert.equal(idx.delete('b.mp4'), true);
    assert.equal(idx.delete('b.mp4'), false);
    assert.deepEqual([names(idx.all()), idx.size, idx.totalBytes, idx.has('b.mp4')], [['a.mp4'], 1, 150, false]);
  });

  it('indexes only names that pass the file-name rules (hidden, separators, control characters, too long)', () => {
    const idx = new MediaIndex('snapshots');
    for (const { name } of BAD_NAMES) assert.equal(idx.set(file(name, 1)), false, JSON.stringify(name));
    assert.equal(idx.set(file('.snap-0123.tmp', 1)), false);
    assert.equal(idx.set(file('.remux-1-2.mp4', 1)), false);
    idx.load([file('.hidden.jpg', 1), file('ok.jpg', 1), file('a/b.jpg', 1)], idx.seq);
    assert.deepEqual(names(idx.all()), ['ok.jpg']);
  });

  it('entries carry the index kind', () => {
    const idx = new MediaIndex('snapshots');
    idx.set(file('s.jpg', 1));
    assert.equal(idx.get('s.jpg')?.kind, 'snapshots');
  });

  it('a stat result is ignored for a name that changed after the stat began', () => {
    const idx = new MediaIndex('recordings');
    idx.set(file('a.mp4', 1));
    const since = idx.seq;
    idx.delete('a.mp4'); // deleted while the stat was in flight
    assert.equal(idx.applyStat('a.mp4', file('a.mp4', 1), since), false);
    assert.equal(idx.has('a.mp4'), false);
    // A stat that began after the delete applies.
    assert.equal(idx.applyStat('a.mp4', file('a.mp4', 2), idx.seq), true);
    assert.equal(idx.has('a.mp4'), true);
    // Once nothing is in flight the marks are dropped: an old sequence number applies again.
    idx.forgetChanges();
    assert.equal(idx.applyStat('a.mp4', undefined, 0), true);
    assert.equal(idx.has('a.mp4'), false);
  });

  it('a rescan adds, updates and removes, but keeps names changed while it ran', () => {
    const idx = new MediaIndex('recordings');
    idx.load([file('gone.mp4', 1), file('same.mp4', 2), file('grows.mp4', 3, 10), file('deleted-meanwhile.mp4', 4)], idx.seq);
    const since = idx.seq;
    idx.delete('deleted-meanwhile.mp4');
    idx.set(file('written-meanwhile.mp4', 9));
    const r = idx.applyScan([file('same.mp4', 2), file('grows.mp4', 5, 20), file('new.mp4', 6), file('deleted-meanwhile.mp4', 4)], since);
    assert.deepEqual(r, { added: 1, removed: 1, updated: 1 });
    assert.deepEqual(names(idx.all()), ['written-meanwhile.mp4', 'new.mp4', 'grows.mp4', 'same.mp4']);
    assert.equal(idx.totalBytes, 1 + 1 + 20 + 1);
  });

  it('the initial load of an index that changed meanwhile merges instead of replacing', () => {
    const idx = new MediaIndex('recordings');
    const since = idx.seq;
    idx.set(file('direct.mp4', 5));
    idx.load([file('scanned.mp4', 1)], since);
    assert.deepEqual(names(idx.all()), ['direct.mp4', 'scanned.mp4']);
  });

  it('any sequence of sets and deletes leaves the same order, count and bytes as sorting from scratch', () => {
    const op = fc.oneof(
      fc.record({ del: fc.constant(false), name: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), mtime: fc.integer({ min: 0, max: 4 }), size: fc.nat(1000) }),
      fc.record({ del: fc.constant(true), name: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), mtime: fc.constant(0), size: fc.constant(0) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.nat(8), fc.integer({ min: 1, max: 8 }), (ops, offset, limit) => {
        const idx = new MediaIndex('recordings');
        const model = new Map<string, MediaFile>();
        for (const o of ops) {
          if (o.del) {
            idx.delete(o.name);
            model.delete(o.name);
          } else {
            idx.set(file(o.name, o.mtime, o.size));
            model.set(o.name, file(o.name, o.mtime, o.size));
          }
        }
        const expected = [...model.values()].sort(newestFirst);
        assert.deepEqual(idx.all(), expected);
        assert.deepEqual(idx.page(offset, limit), { files: expected.slice(offset, offset + limit), total: expected.length });
        assert.equal(idx.totalBytes, expected.reduce((n, f) => n + f.size, 0));
      }),
    );
  });
});
