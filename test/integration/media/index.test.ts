/**
 * The media index through the real daemon: files copied into or removed from the media
 * directories by hand (outside the service) show up in and leave the listings; files
 * present at start are listed once the index is built.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startService, until } from '../../helpers/service.js';
import { pathOf } from './media-helpers.js';

const rejectsWith = (code: number) => (e: { code: number }) => e.code === code;

describe('media index', () => {
  it('a recording copied in by hand is listed and has info; one deleted by hand disappears; snapshots likewise', async (t) => {
    const svc = await startService({ storage: { min_free_bytes: 0 } });
    t.after(() => svc.stop());
    const c = await svc.client('viewer');
    t.after(() => c.close());
    const rec = join(svc.dir, 'recordings');
    const snap = join(svc.dir, 'snapshots');
    const names = async (method: 'list_recordings' | 'list_snapshots') => (await c.call(method, {})).files.map((f) => f.filename);
    assert.equal((await c.call('list_recordings', {})).total, 0);

    // Copied in the way a user would: written elsewhere, then copied (and a move within the file system).
    const outside = mkdtempSync(join(tmpdir(), 'camera-service-outside-'));
    t.after(() => rmSync(outside, { recursive: true, force: true }));
    writeFileSync(join(outside, 'src.mp4'), Buffer.alloc(1234, 3));
    copyFileSync(join(outside, 'src.mp4'), join(rec, 'camera7_2026-02-01_10-00-00.mp4'));
    await until(async () => (await names('list_recordings')).includes('camera7_2026-02-01_10-00-00.mp4'), 10_000, 'the copied recording in list_recordings');
    const listed = await c.call('list_recordings', {});
    assert.deepEqual(listed.files[0], {
      filename: 'camera7_2026-02-01_10-00-00.mp4',
      file_size: 1234,
      modified_time: listed.files[0]!.modified_time,
      download_url: listed.files[0]!.download_url,
    });
    assert.equal(pathOf(listed.files[0]!.download_url), '/files/recordings/camera7_2026-02-01_10-00-00.mp4');
    assert.equal(listed.total, 1);
    const info = await c.call('get_recording_info', { filename: 'camera7_2026-02-01_10-00-00.mp4' });
    assert.deepEqual([info.file_size, (info as { recording?: boolean }).recording], [1234, false]);

    // A second file, older by its modification time, sorts after the first; a hidden temporary never shows.
    writeFileSync(join(rec, '.copying.mp4'), 'x');
    writeFileSync(join(outside, 'old.mkv'), Buffer.alloc(10));
    utimesSync(join(outside, 'old.mkv'), new Date('2025-01-01T00:00:00Z'), new Date('2025-01-01T00:00:00Z'));
    renameSync(join(outside, 'old.mkv'), join(rec, 'old.mkv'));
    await until(async () => (await c.call('list_recordings', {})).total === 2, 10_000, 'two recordings listed');
    assert.deepEqual(await names('list_recordings'), ['camera7_2026-02-01_10-00-00.mp4', 'old.mkv']);
    assert.equal((await c.call('list_recordings', { limit: 1, offset: 1 })).files[0]!.filename, 'old.mkv');

    // Deleted by hand.
    unlinkSync(join(rec, 'camera7_2026-02-01_10-00-00.mp4'));
    await until(async () => !(await names('list_recordings')).includes('camera7_2026-02-01_10-00-00.mp4'), 10_000, 'the deleted recording gone from list_recordings');
    assert.deepEqual(await c.call('list_recordings', {}).then((l) => [l.total, l.files.map((f) => f.filename)]), [1, ['old.mkv']]);
    await assert.rejects(c.call('get_recording_info', { filename: 'camera7_2026-02-01_10-00-00.mp4' }), rejectsWith(-32010));

    // Snapshots: the same through the other directory.
    writeFileSync(join(snap, 'by-hand.jpg'), Buffer.alloc(77));
    await until(async () => (await names('list_snapshots')).includes('by-hand.jpg'), 10_000, 'the copied snapshot in list_snapshots');
    assert.equal((await c.call('get_snapshot_info', { filename: 'by-hand.jpg' })).file_size, 77);
    rmSync(join(snap, 'by-hand.jpg'));
    await until(async () => (await c.call('list_snapshots', {})).total === 0, 10_000, 'the removed snapshot gone from list_snapshots');
  });

  it('files present at start are listed from the first call; a delete through the API leaves the listing at once', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'camera-service-index-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const rec = join(dir, 'recordings');
    mkdirSync(rec, { recursive: true });
    for (let i = 0; i < 300; i++) {
      const f = join(rec, `camera0_2026-01-01_00-${String(Math.floor(i / 60)).padStart(2, '0')}-${String(i % 60).padStart(2, '0')}.mp4`);
      writeFileSync(f, Buffer.alloc(i + 1));
      utimesSync(f, new Date(Date.UTC(2026, 0, 1) + i * 1000), new Date(Date.UTC(2026, 0, 1) + i * 1000));
    }
    const svc = await startService({ storage: { min_free_bytes: 0 } }, { dir, keep: true });
    t.after(() => svc.stop());
    const c = await svc.client('operator');
    t.after(() => c.close());
    const first = await c.call('list_recordings', { limit: 2, offset: 1 });
    assert.equal(first.total, 300);
    assert.deepEqual(first.files.map((f) => [f.filename, f.file_size]), [['camera0_2026-01-01_00-04-58.mp4', 299], ['camera0_2026-01-01_00-04-57.mp4', 298]]);
    await c.call('delete_recording', { filename: 'camera0_2026-01-01_00-04-59.mp4' });
    const after = await c.call('list_recordings', { limit: 1 });
    assert.deepEqual([after.total, after.files[0]!.filename], [299, 'camera0_2026-01-01_00-04-58.mp4']);
    const admin = await svc.client('admin');
    t.after(() => admin.close());
    // Directory sizes are refreshed in the background after a delete; they come from the index too.
    await until(async () => (await admin.call('get_storage_info', {})).recordings_size === (300 * 301) / 2 - 300, 10_000, 'recordings_size without the deleted file');
  });
});
