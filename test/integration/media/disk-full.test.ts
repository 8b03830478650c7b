/**
 * A small recordings volume (tmpfs of a few MiB) filling up: the running recording ends
 * FAILED disk_full, earlier files stay playable, new recordings and snapshots are refused.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { startService } from '../../helpers/service.js';
import { collect, decodedFrames, deferrer, probeSeconds, tmpfs } from './media-helpers.js';

const CAM = { width: 640, height: 480, fps: 25 };
const MIB = 1024 * 1024;
const free = (dir: string) => {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
};

async function setUp(t: TestContext, floor: number) {
  const defer = deferrer(t);
  const dir = mkdtempSync(join(tmpdir(), 'camera-service-full-'));
  defer(() => rmSync(dir, { recursive: true, force: true }));
  tmpfs(defer, join(dir, 'recordings'), '8m');
  tmpfs(defer, join(dir, 'snapshots'), '8m');
  const svc = await startService(
    { test_cameras: { patterns: [{ name: 'a', ...CAM }] }, storage: { min_free_bytes: floor, check_interval_ms: 200 }, streaming: { default_mode: 'always_on' } },
    { keepDir: dir },
  );
  defer(() => svc.stop());
  const c = await svc.client('operator');
  defer(() => c.close());
  const notes = collect(c);
  await c.call('subscribe_events', { topics: ['recording.error', 'recording.progress'] });
  // An earlier recording that must survive whatever follows.
  const earlier = await c.call('start_recording', { device: 'camera0', duration: 2 });
  await notes.wait('recording_status_update', (p) => p.filename === earlier.filename && p.status === 'STOPPED');
  const earlierFile = join(dir, 'recordings', earlier.filename);
  const earlierBytes = readFileSync(earlierFile);
  const earlierSeconds = probeSeconds(earlierFile)!;
  assert.ok(earlierSeconds > 1);
  return { dir, svc, c, notes, earlierFile, earlierBytes, earlierSeconds };
}

describe('disk full', () => {
  it('below the free-space floor: the recording stops cleanly with FAILED disk_full; new starts and snapshots are refused', async (t) => {
    const floor = 3 * MIB;
    const { dir, c, notes, earlierFile, earlierBytes, earlierSeconds } = await setUp(t, floor);
    // Leave ~400 KiB above the floor.
    writeFileSync(join(dir, 'recordings', 'filler.bin'), Buffer.alloc(free(join(dir, 'recordings')) - floor - 400 * 1024));
    const r = await c.call('start_recording', { device: 'camera0' });
    const failed = await notes.wait('recording_status_update', (p) => p.filename === r.filename && p.status !== 'STARTED', 60000);
    assert.deepEqual([failed.status, failed.reason], ['FAILED', 'disk_full']);
    assert.equal((await notes.wait('recording.error', (p) => p.filename === r.filename)).reason, 'disk_full');
    const file = join(dir, 'recordings', r.filename);
    t.diagnostic(`stopped at ${failed.duration} s, ${failed.file_size} bytes; ${free(join(dir, 'recordings'))} bytes free`);
    assert.ok(readFileSync(file).toString('latin1').includes('mfra'), 'stopped cleanly: FFmpeg wrote its trailer');
    assert.ok(decodedFrames(file) > 0);
    assert.ok(readFileSync(earlierFile).equals(earlierBytes), 'the earlier recording is untouched');
    assert.equal(probeSeconds(earlierFile), earlierSeconds);

    await assert.rejects(c.call('start_recording', { device: 'camera0' }), (e: { code: number; data: { reason: string } }) => e.code === -32050 && e.data.reason === 'disk_full');
    writeFileSync(join(dir, 'snapshots', 'filler.bin'), Buffer.alloc(free(join(dir, 'snapshots')) - floor + 4096));
    await assert.rejects(c.call('take_snapshot', { device: 'camera0' }), (e: { code: number; data: { reason: string } }) => e.code === -32050 && e.data.reason === 'disk_full');
    const listed = (await c.call('list_recordings', {})).files.map((f) => f.filename);
    assert.ok(listed.includes(r.filename) && listed.includes(earlierFile.split('/').at(-1)!));
  });

  it('the disk fills mid-write (no floor): FAILED disk_full, the file plays up to its last fragment, earlier files intact', async (t) => {
    const { dir, c, notes, earlierFile, earlierBytes } = await setUp(t, 0);
    writeFileSync(join(dir, 'recordings', 'filler.bin'), Buffer.alloc(free(join(dir, 'recordings')) - 300 * 1024));
    const r = await c.call('start_recording', { device: 'camera0' });
    const failed = await notes.wait('recording_status_update', (p) => p.filename === r.filename && p.status !== 'STARTED', 60000);
    assert.deepEqual([failed.status, failed.reason], ['FAILED', 'disk_full']);
    assert.match(failed.error, /no space left on device/);
    const file = join(dir, 'recordings', r.filename);
    t.diagnostic(`ENOSPC after ${failed.duration} s, ${failed.file_size} bytes`);
    assert.ok(decodedFrames(file) > 0, 'what was written before the disk filled plays');
    assert.ok(readFileSync(earlierFile).equals(earlierBytes), 'the earlier recording is untouched');
  });
});

describe('storage failures answer at once (issue 15 defect 4)', () => {
  it('a read-only recordings folder: start_recording and take_snapshot answer -32050 storage_not_writable, the camera is not stuck, SIGTERM exits 0 in time', async (t) => {
    const defer = deferrer(t);
    const dir = mkdtempSync(join(tmpdir(), 'camera-service-ro-'));
    defer(() => rmSync(dir, { recursive: true, force: true }));
    for (const sub of ['recordings', 'snapshots']) {
      mkdirSync(join(dir, sub));
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', join(dir, sub)]);
      defer(() => spawnSync('umount', [join(dir, sub)]));
    }
    const svc = await startService({ test_cameras: { patterns: [{ name: 'a', ...CAM }] }, storage: { min_free_bytes: 0 } }, { dir, keep: true });
    let stopped = false;
    defer(() => (stopped ? undefined : svc.stop()));
    const c = await svc.client('operator');
    defer(() => c.close().catch(() => undefined));
    for (let attempt = 0; attempt < 2; attempt++) {
      await assert.rejects(c.call('start_recording', { device: 'camera0' }), (e: { code: number; data: { reason: string; dependency: string } }) => {
        assert.deepEqual([e.code, e.data.reason, e.data.dependency], [-32050, 'storage_not_writable', 'storage']);
        return true;
      });
    }
    for (const params of [{ device: 'camera0' }, { device: 'camera0', format: 'png' }]) {
      await assert.rejects(c.call('take_snapshot', params), (e: { code: number; data: { reason: string } }) => {
        assert.deepEqual([e.code, e.data.reason], [-32050, 'storage_not_writable']);
        return true;
      });
    }
    const st = await c.call('get_camera_status', { device: 'camera0' });
    assert.equal(st.status, 'CONNECTED');
    const t0 = Date.now();
    const { code } = await svc.stop();
    stopped = true;
    t.diagnostic(`SIGTERM to exit: ${Date.now() - t0} ms`);
    assert.equal(code, 0, 'a clean shutdown, not "graceful shutdown timed out"');
  });

  it('a full disk without a floor: start_recording and take_snapshot answer -32050 disk_full, nothing is left behind', async (t) => {
    const defer = deferrer(t);
    const dir = mkdtempSync(join(tmpdir(), 'camera-service-full0-'));
    defer(() => rmSync(dir, { recursive: true, force: true }));
    tmpfs(defer, join(dir, 'recordings'), '2m');
    tmpfs(defer, join(dir, 'snapshots'), '2m');
    const svc = await startService({ test_cameras: { patterns: [{ name: 'a', ...CAM }] }, storage: { min_free_bytes: 0 } }, { dir, keep: true });
    defer(() => svc.stop());
    for (const sub of ['recordings', 'snapshots']) {
      spawnSync('dd', ['if=/dev/zero', `of=${join(dir, sub, 'filler.bin')}`, 'bs=64k'], { stdio: 'ignore' });
      assert.ok(free(join(dir, sub)) < 64 * 1024, `${sub} is full`);
    }
    const c = await svc.client('operator');
    defer(() => c.close().catch(() => undefined));
    await assert.rejects(c.call('start_recording', { device: 'camera0' }), (e: { code: number; data: { reason: string; dependency: string } }) => {
      assert.deepEqual([e.code, e.data.reason, e.data.dependency], [-32050, 'disk_full', 'storage']);
      return true;
    });
    for (const params of [{ device: 'camera0' }, { device: 'camera0', format: 'png' }]) {
      await assert.rejects(c.call('take_snapshot', params), (e: { code: number; data: { reason: string } }) => {
        assert.deepEqual([e.code, e.data.reason], [-32050, 'disk_full']);
        return true;
      });
    }
    assert.deepEqual(readdirSync(join(dir, 'recordings')), ['filler.bin'], 'no half-written recording');
    assert.deepEqual(readdirSync(join(dir, 'snapshots')), ['filler.bin'], 'no half-written snapshot');
    assert.ok(existsSync(join(dir, 'state')));
  });
});
