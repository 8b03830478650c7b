import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { mapLimit } from '../../../src/lib/map-limit.js';
import { DirIndex } from '../../../src/media/library-index.js';
import { MediaLibrary } from '../../../src/media/library.js';
import { until } from '../../helpers/service.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'media-index-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function put(dir: string, name: string, size: number, at: number): void {
  writeFileSync(join(dir, name), Buffer.alloc(size, 1));
  utimesSync(join(dir, name), new Date(at), new Date(at));
}

describe('media directory index (fs adapter)', () => {
  it('builds from the directory: regular files with valid names only, newest first', async (t) => {
    const dir = tempDir(t);
    for (let i = 0; i < 100; i++) put(dir, `camera0_${String(i).padStart(3, '0')}.mp4`, i, 1_700_000_000_000 + i * 1000);
    put(dir, '.partial.mp4', 5, 1_800_000_000_000);
    mkdirSync(join(dir, 'sub.mp4'));
    writeFileSync(join(dir, '..outside'), 'x');
    symlinkSync(join(dir, 'camera0_000.mp4'), join(dir, 'link.mp4'));
    const d = new DirIndex('recordings', dir, { statConcurrency: 4 });
    t.after(() => d.close());
    await d.fresh();
    assert.equal(d.index.size, 100);
    assert.equal(d.index.page(0, 1).files[0]!.name, 'camera0_099.mp4');
    assert.equal(d.index.totalBytes, (99 * 100) / 2);
  });

  it('a listing sees files copied in or removed by others before any watch event arrived (the directory changed)', async (t) => {
    const dir = tempDir(t);
    put(dir, 'camera0_a.mp4', 10, 1_700_000_000_000);
    const d = new DirIndex('recordings', dir, { watch: false, rescanIntervalMs: 0 });
    t.after(() => d.close());
    await d.fresh();
    assert.deepEqual(d.index.all().map((f) => f.name), ['camera0_a.mp4']);
    put(dir, 'camera0_b.mp4', 20, 1_700_000_001_000);
    unlinkSync(join(dir, 'camera0_a.mp4'));
    await d.fresh();
    assert.deepEqual(d.index.all().map((f) => [f.name, f.size]), [['camera0_b.mp4', 20]]);
    await d.fresh(); // unchanged directory: nothing to compare
    assert.equal(d.index.size, 1);
  });

  it('a missing directory is an empty index', async (t) => {
    const d = new DirIndex('snapshots', join(tempDir(t), 'absent'), {});
    t.after(() => d.close());
    await d.fresh();
    assert.equal(d.index.size, 0);
  });

  it('files copied in and removed by hand are picked up through the watch', async (t) => {
    const dir = tempDir(t);
    const d = new DirIndex('recordings', dir, { debounceMs: 10 });
    t.after(() => d.close());
    await d.fresh();
    put(dir, 'by-hand.mp4', 42, 1_700_000_000_000);
    await until(async () => (await d.fresh(), d.index.get('by-hand.mp4')?.size === 42), 5000, 'the copied file in the index');
    unlinkSync(join(dir, 'by-hand.mp4'));
    await until(async () => (await d.fresh(), !d.index.has('by-hand.mp4')), 5000, 'the removed file gone from the index');
  });

  it('a rescan repairs what the index missed', async (t) => {
    const dir = tempDir(t);
    const d = new DirIndex('recordings', dir, { rescanIntervalMs: 0 });
    await d.fresh();
    d.close(); // no more watch events
    put(dir, 'missed.mp4', 1, 1_700_000_000_000);
    const second = new DirIndex('recordings', dir, { rescanIntervalMs: 0 });
    t.after(() => second.close());
    await second.fresh();
    assert.equal(second.index.has('missed.mp4'), true);
    unlinkSync(join(dir, 'missed.mp4'));
    put(dir, 'other.mp4', 1, 1_700_000_000_000);
    await second.rescan();
    assert.deepEqual(second.index.all().map((f) => f.name), ['other.mp4']);
  });

  it('mapLimit keeps order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([5, 4, 3, 2, 1, 0], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setImmediate(r));
      running--;
      return n * 2;
    });
    assert.deepEqual(out, [10, 8, 6, 4, 2, 0]);
    assert.equal(peak, 2);
  });
});

describe('media library listings from the index', () => {
  function library(t: TestContext) {
    const root = tempDir(t);
    const dirs = { recordings: join(root, 'recordings'), snapshots: join(root, 'snapshots') };
    for (const d of Object.values(dirs)) mkdirSync(d);
    const lib = new MediaLibrary(dirs, async () => null);
    t.after(() => lib.close());
    return { dirs, lib };
  }

  it('a recording being written is listed with its current size, and its new part appears, without waiting for the watch', async (t) => {
    const { dirs, lib } = library(t);
    const writing = new Set<string>();
    lib.addBusyCheck(
      (kind, name) => kind === 'recordings' && [...writing].some((b) => name.startsWith(b)),
      () => [...writing].map((base) => ({ kind: 'recordings' as const, base, ext: 'mp4' })),
    );
    put(dirs.recordings, 'old.mp4', 3, 1_600_000_000_000);
    assert.equal((await lib.page('recordings', 0, 50)).total, 1);
    writing.add('camera0_2026-01-01_00-00-00');
    writeFileSync(join(dirs.recordings, 'camera0_2026-01-01_00-00-00.mp4'), Buffer.alloc(10));
    let page = await lib.page('recordings', 0, 50);
    assert.deepEqual(page.files.map((f) => [f.name, f.size]), [['camera0_2026-01-01_00-00-00.mp4', 10], ['old.mp4', 3]]);
    appendFileSync(join(dirs.recordings, 'camera0_2026-01-01_00-00-00.mp4'), Buffer.alloc(5));
    writeFileSync(join(dirs.recordings, 'camera0_2026-01-01_00-00-00_part2.mp4'), Buffer.alloc(7));
    page = await lib.page('recordings', 0, 50);
    assert.equal(page.total, 3);
    assert.equal(page.files.find((f) => f.name === 'camera0_2026-01-01_00-00-00.mp4')!.size, 15);
    assert.equal((await lib.info('recordings', 'camera0_2026-01-01_00-00-00_part2.mp4'))!.size, 7);
    assert.equal(await lib.totalSize('recordings'), 3 + 15 + 7);
  });

  it('deletes through the library leave the index at once; info of an unknown file reads the file system', async (t) => {
    const { dirs, lib } = library(t);
    put(dirs.snapshots, 'a.jpg', 4, 1_700_000_000_000);
    put(dirs.snapshots, 'b.jpg', 5, 1_700_000_001_000);
    assert.deepEqual((await lib.list('snapshots')).map((f) => f.name), ['b.jpg', 'a.jpg']);
    assert.equal(await lib.delete('snapshots', 'b.jpg'), 5);
    assert.deepEqual(await lib.page('snapshots', 0, 50).then((p) => [p.total, p.files.map((f) => f.name)]), [1, ['a.jpg']]);
    await assert.rejects(lib.delete('snapshots', 'b.jpg'), { name: 'MediaError', code: 'not_found' });
    assert.equal(await lib.info('snapshots', 'never.jpg'), undefined);
    await assert.rejects(lib.info('snapshots', '../x.jpg'), { name: 'MediaError', code: 'invalid_name' });
    // Written by the service and then statted (as take_snapshot does): known at once.
    put(dirs.snapshots, 'c.jpg', 6, 1_700_000_002_000);
    assert.equal((await lib.stat('snapshots', 'c.jpg'))!.size, 6);
    assert.equal((await lib.page('snapshots', 0, 1)).files[0]!.name, 'c.jpg');
  });
});
