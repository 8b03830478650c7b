/**
 * Files through the real daemon: listing and paging, traversal attempts against every file
 * method and HTTP route, retention by age and size in a test tree (and across a restart),
 * storage figures and the low-space event.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startService } from '../../helpers/service.js';
import { BAD_NAMES, BAD_TARGETS } from '../../unit/media/traversal-cases.js';
import { collect, deferrer, pathOf, rawRequest, tmpfs } from './media-helpers.js';

const DAY = 86_400_000;
const rejectsWith = (code: number) => (e: { code: number }) => e.code === code;
interface Cleanup {
  cleanup_executed: boolean;
  files_deleted: number;
  space_freed: number;
  message: string;
}
interface Policy {
  policy_type: string;
  enabled: boolean;
  max_age_days: number;
}

/** Writes a file of `size` bytes last modified `ageDays` ago. */
function put(dir: string, name: string, size: number, ageDays: number): void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, Buffer.alloc(size, 7));
  const at = new Date(Date.now() - ageDays * DAY);
  utimesSync(file, at, at);
}

/** Every file under `dir` (relative path and size), to prove nothing was touched. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((e) => join(e.parentPath ?? (e as { path: string }).path, e.name).slice(dir.length))
    .sort();
}

describe('files', () => {
  it('traversal attempts are refused by every file method and HTTP route, and touch nothing', async (t) => {
    const svc = await startService({ storage: { min_free_bytes: 0 }, test_cameras: { patterns: [{ name: 'a', width: 160, height: 120, fps: 5 }] } });
    t.after(() => svc.stop());
    // Bait: files a traversal would reach, next to and above the media directories.
    writeFileSync(join(svc.dir, 'secret.txt'), 'secret');
    put(join(svc.dir, 'recordings'), 'x.mp4', 10, 0);
    put(join(svc.dir, 'snapshots'), 'x.jpg', 10, 0);
    const before = tree(svc.dir);
    const op = await svc.client('admin');
    t.after(() => op.close());
    let calls = 0;
    for (const { name, what } of BAD_NAMES) {
      for (const method of ['get_recording_info', 'get_snapshot_info', 'delete_recording', 'delete_snapshot'] as const) {
        await assert.rejects(op.call(method, { filename: name }), (e: { code: number; data: { param: string } }) => e.code === -32602 && e.data.param === 'filename', `${method} ${what}`);
        calls++;
      }
      await assert.rejects(op.call('take_snapshot', { device: 'camera0', filename: name }), rejectsWith(-32602), `take_snapshot ${what}`);
      calls++;
    }
    const auth = { authorization: `Bearer ${await svc.token('viewer')}` };
    for (const target of BAD_TARGETS) {
      for (const method of ['GET', 'HEAD']) {
        const r = await rawRequest(svc.port, target, { method, headers: auth });
        assert.equal(r.status, 400, `${method} ${target}: ${r.body.toString()}`);
        assert.ok(!r.body.toString().includes('secret'));
        calls++;
      }
      // Without credentials nothing is revealed either.
      assert.equal((await rawRequest(svc.port, target)).status, 401, target);
    }
    t.diagnostic(`${calls} refused calls (${BAD_NAMES.length} names × 5 methods, ${BAD_TARGETS.length} targets × GET/HEAD)`);
    assert.deepEqual(tree(svc.dir).filter((p) => !p.startsWith('/state/')), before.filter((p) => !p.startsWith('/state/')), 'nothing created, changed or deleted');
    // The same names that are valid still work: the checks are not just refusing everything.
    assert.equal((await rawRequest(svc.port, '/files/recordings/x.mp4', { headers: auth })).status, 200);
    assert.equal((await rawRequest(svc.port, '/files/recordings/y.mp4', { headers: auth })).status, 404);
    assert.equal((await rawRequest(svc.port, '/files/other/x.mp4', { headers: auth })).status, 404);
  });

  it('signed download_url: opens without a header until it expires (server.download_url_lifetime_s), then 403', async (t) => {
    const svc = await startService({ storage: { min_free_bytes: 0 }, server: { download_url_lifetime_s: 10 } });
    t.after(() => svc.stop());
    put(join(svc.dir, 'snapshots'), 'still.jpg', 4321, 0);
    const viewer = await svc.client('viewer');
    t.after(() => viewer.close());
    const { download_url: url } = await viewer.call('get_snapshot_info', { filename: 'still.jpg' });
    assert.equal(pathOf(url), '/files/snapshots/still.jpg');
    assert.match(url, /\?exp=\d+&role=viewer&sig=/);
    const ok = await rawRequest(svc.port, url);
    assert.deepEqual([ok.status, ok.body.length], [200, 4321]);
    assert.equal((await rawRequest(svc.port, pathOf(url))).status, 401, 'the bare path still needs credentials');
    // Wait out the link's own expiry (exp is a whole second; the service compares against its clock).
    const exp = Number(new URLSearchParams(url.slice(url.indexOf('?'))).get('exp'));
    await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 50));
    const late = await rawRequest(svc.port, url);
    assert.equal(late.status, 403);
    assert.match(JSON.parse(late.body.toString()).reason, /expired/);
  });

  it('listing: newest first, limit/offset, empty sets as results; hidden files, links and directories are not files', async (t) => {
    const svc = await startService({ storage: { min_free_bytes: 0 } });
    t.after(() => svc.stop());
    const c = await svc.client('viewer');
    t.after(() => c.close());
    assert.deepEqual(await c.call('list_recordings', {}), { files: [], total: 0, limit: 50, offset: 0 });
    assert.deepEqual(await c.call('list_snapshots', { limit: 5, offset: 10 }), { files: [], total: 0, limit: 5, offset: 10 });
    const rec = join(svc.dir, 'recordings');
    for (let i = 0; i < 7; i++) put(rec, `camera0_2026-01-0${i + 1}_00-00-00.mp4`, 100 + i, 10 - i);
    put(rec, '.partial.mp4', 5, 0);
    mkdirSync(join(rec, 'sub.mp4'));
    writeFileSync(join(svc.dir, 'outside.mp4'), 'x');
    symlinkSync(join(svc.dir, 'outside.mp4'), join(rec, 'link.mp4'));
    const page1 = await c.call('list_recordings', { limit: 3 });
    assert.equal(page1.total, 7);
    assert.deepEqual(page1.files.map((f) => f.filename), ['camera0_2026-01-07_00-00-00.mp4', 'camera0_2026-01-06_00-00-00.mp4', 'camera0_2026-01-05_00-00-00.mp4']);
    assert.equal(page1.files[0]!.file_size, 106);
    const page3 = await c.call('list_recordings', { limit: 3, offset: 6 });
    assert.deepEqual(page3.files.map((f) => f.filename), ['camera0_2026-01-01_00-00-00.mp4']);
    await assert.rejects(c.call('list_recordings', { limit: 0 }), rejectsWith(-32602));
    await assert.rejects(c.call('list_recordings', { limit: 1001 }), rejectsWith(-32602));
    await assert.rejects(c.call('list_recordings', { offset: -1 }), rejectsWith(-32602));
    await assert.rejects(c.call('list_recordings', { page: 1 }), rejectsWith(-32602));
    for (const name of ['link.mp4', 'sub.mp4']) {
      await assert.rejects(c.call('get_recording_info', { filename: name }), rejectsWith(-32010), name);
      assert.equal((await rawRequest(svc.port, `/files/recordings/${name}`, { headers: { authorization: `Bearer ${await svc.token('viewer')}` } })).status, 404, name);
    }
    const op = await svc.client('operator');
    t.after(() => op.close());
    await assert.rejects(op.call('delete_recording', { filename: 'link.mp4' }), rejectsWith(-32010));
    assert.ok(readdirSync(svc.dir).includes('outside.mp4'));
  });

  it('retention by age and by size deletes exactly the expected files; the policy survives a restart', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'camera-service-retention-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const overrides = { storage: { min_free_bytes: 0 } };
    const rec = join(dir, 'recordings');
    const snap = join(dir, 'snapshots');
    put(rec, 'r-400d.mp4', 4000, 400);
    put(rec, 'r-40d.mkv', 3000, 40);
    put(rec, 'r-8d.mp4', 2000, 8);
    put(rec, 'r-1d.mp4', 1000, 1);
    put(snap, 's-60d.jpg', 500, 60);
    put(snap, 's-9d.jpg', 400, 9);
    put(snap, 's-0d.jpg', 300, 0);
    const svc = await startService(overrides, { keepDir: dir });
    const admin = await svc.client('admin');
    const left = () => [...readdirSync(rec), ...readdirSync(snap)].sort();

    // The default policy (manual, disabled) deletes nothing.
    const none = (await admin.call('cleanup_old_files', {})) as Cleanup;
    assert.deepEqual([none.cleanup_executed, none.files_deleted, none.space_freed], [false, 0, 0]);
    await assert.rejects(admin.call('set_retention_policy', { policy_type: 'age', enabled: true, max_age_days: -1 }), rejectsWith(-32602));
    const set = (await admin.call('set_retention_policy', { policy_type: 'age', enabled: true, max_age_days: 10 })) as Policy;
    assert.deepEqual([set.policy_type, set.enabled, set.max_age_days], ['age', true, 10]);
    const byAge = (await admin.call('cleanup_old_files', {})) as Cleanup;
    assert.deepEqual([byAge.cleanup_executed, byAge.files_deleted, byAge.space_freed], [true, 3, 4000 + 3000 + 500]);
    assert.deepEqual(left(), ['r-1d.mp4', 'r-8d.mp4', 's-0d.jpg', 's-9d.jpg']);

    // Size: 3700 bytes left; a limit of 2000 bytes removes the oldest until it fits: s-9d (400), r-8d (2000).
    await admin.call('set_retention_policy', { policy_type: 'size', enabled: true, max_size_gb: 2000 / 1024 ** 3 });
    const bySize = (await admin.call('cleanup_old_files', {})) as Cleanup;
    assert.deepEqual([bySize.files_deleted, bySize.space_freed], [2, 2400]);
    assert.deepEqual(left(), ['r-1d.mp4', 's-0d.jpg']);
    const viewer = await svc.client('viewer');
    await assert.rejects(viewer.call('cleanup_old_files', {}), rejectsWith(-32002));
    await viewer.close();
    await admin.call('set_retention_policy', { policy_type: 'age', enabled: true, max_age_days: 5 });
    await admin.close();
    await svc.stop();

    // After a restart the stored policy (age, 5 days) applies.
    put(rec, 'r-6d.mp4', 10, 6);
    put(snap, 's-4d.jpg', 10, 4);
    const again = await startService(overrides, { keepDir: dir });
    t.after(() => again.stop());
    const admin2 = await again.client('admin');
    t.after(() => admin2.close());
    const after = (await admin2.call('cleanup_old_files', {})) as Cleanup;
    assert.deepEqual([after.files_deleted, after.space_freed], [1, 10]);
    assert.match(after.message, /^age policy/);
    assert.deepEqual(left(), ['r-1d.mp4', 's-0d.jpg', 's-4d.jpg']);
  });

  it('get_storage_info: statfs figures and directory sizes; low space raises the warning and storage.low_space', async (t) => {
    const defer = deferrer(t);
    const dir = mkdtempSync(join(tmpdir(), 'camera-service-space-'));
    defer(() => rmSync(dir, { recursive: true, force: true }));
    tmpfs(defer, join(dir, 'recordings'), '4m');
    put(join(dir, 'recordings'), 'a.mp4', 100_000, 1);
    put(join(dir, 'snapshots'), 'a.jpg', 2_000, 1);
    const svc = await startService({ storage: { min_free_bytes: 0, low_space_percent: 50, check_interval_ms: 100 } }, { keepDir: dir });
    defer(() => svc.stop());
    const admin = await svc.client('admin');
    defer(() => admin.close());
    const notes = collect(admin);
    await admin.call('subscribe_events', { topics: ['storage.low_space'] });
    const info = await admin.call('get_storage_info', {});
    assert.equal(info.total_space, 4 * 1024 * 1024);
    assert.equal(info.used_space + info.available_space, info.total_space);
    assert.deepEqual([info.recordings_size, info.snapshots_size, info.low_space_warning], [100_000, 2_000, false]);
    writeFileSync(join(dir, 'recordings', 'filler.bin'), Buffer.alloc(3 * 1024 * 1024));
    const event = await notes.wait('storage.low_space');
    assert.ok(event.usage_percentage >= 50 && event.low_space_warning === true);
    assert.equal(event.threshold_percent, 50);
    const low = await admin.call('get_storage_info', {});
    assert.equal(low.low_space_warning, true);
    const op = await svc.client('operator');
    defer(() => op.close());
    await assert.rejects(op.call('get_storage_info', {}), rejectsWith(-32002));
  });
});
