/**
 * Recordings whose writer could not finish keep what reached the disk in a file that plays
 * cleanly (issue 15, the smaller items of the review): a Matroska recording on a disk that
 * fills has its duration; an MP4 recording whose publisher is killed under it has monotonic
 * timestamps after its remux.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { processesMatching, startService } from '../../helpers/service.js';
import { collect, decodedFrames, deferrer, tmpfs } from './media-helpers.js';

const CAM = { width: 640, height: 480, fps: 25 };
const free = (dir: string) => {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
};
const probeDuration = (file: string) => execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], { encoding: 'utf8' }).trim();
/** What FFmpeg says while reading the whole file (warnings included): empty for a clean file. */
const playWarnings = (file: string) => spawnSync('ffmpeg', ['-v', 'warning', '-i', file, '-map', '0', '-c', 'copy', '-f', 'null', '-'], { encoding: 'utf8' }).stderr.trim();

describe('recordings whose writer could not finish', () => {
  it('a Matroska recording on a disk that fills: FAILED disk_full, the file has the duration of the frames it holds and plays without errors', async (t) => {
    const defer = deferrer(t);
    const dir = mkdtempSync(join(tmpdir(), 'camera-service-mkvfull-'));
    defer(() => rmSync(dir, { recursive: true, force: true }));
    tmpfs(defer, join(dir, 'recordings'), '8m');
    const svc = await startService(
      { test_cameras: { patterns: [{ name: 'a', ...CAM }] }, storage: { min_free_bytes: 0, check_interval_ms: 200 }, streaming: { default_mode: 'always_on' } },
      { keepDir: dir },
    );
    defer(() => svc.stop());
    const c = await svc.client('operator');
    defer(() => c.close());
    const notes = collect(c);
    writeFileSync(join(dir, 'recordings', 'filler.bin'), Buffer.alloc(free(join(dir, 'recordings')) - 600 * 1024));
    const r = await c.call('start_recording', { device: 'camera0', format: 'mkv' });
    const failed = await notes.wait('recording_status_update', (p) => p.filename === r.filename && p.status !== 'STARTED' && p.status !== 'RECORDING', 60000);
    assert.deepEqual([failed.status, failed.reason], ['FAILED', 'disk_full']);
    const file = join(dir, 'recordings', r.filename);
    const frames = decodedFrames(file);
    // The Duration element counts from 0: the end of the last frame the file holds.
    const lastPts = Number(execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', file], { encoding: 'utf8' }).trim().split('\n').map(Number).sort((a, b) => a - b).at(-1));
    const duration = Number(probeDuration(file));
    t.diagnostic(`${failed.file_size} bytes, ${frames} frames, last frame at ${lastPts} s, duration ${duration} s`);
    assert.ok(frames > 0, 'what reached the disk plays');
    assert.ok(Math.abs(duration - (lastPts + 1 / CAM.fps)) < 0.05, `duration ${duration} s, last frame at ${lastPts} s`);
    assert.equal(playWarnings(file), '');
    assert.equal(failed.duration, Math.round(duration * 10) / 10, 'the notification reports the duration of the file');
  });

  it('an MP4 recording whose publisher is killed under it: the remuxed file plays with monotonic timestamps', async (t) => {
    const svc = await startService({ test_cameras: { patterns: [{ name: 'a', ...CAM }] }, storage: { min_free_bytes: 0 }, streaming: { default_mode: 'always_on' } });
    t.after(() => svc.stop());
    const c = await svc.client('operator');
    t.after(() => c.close());
    const notes = collect(c);
    await c.call('subscribe_events', { topics: ['recording.progress'] });
    const r = await c.call('start_recording', { device: 'camera0', format: 'mp4' });
    await notes.wait('recording.progress', (p) => p.filename === r.filename && p.duration >= 2);
    const publishers = processesMatching(`:${svc.rtspPort}/camera0`, 'pipe:1', 'ffmpeg');
    assert.equal(publishers.length, 1, 'one publisher');
    process.kill(publishers[0]!, 'SIGKILL');
    const ended = await notes.wait('recording_status_update', (p) => p.filename === r.filename && p.status !== 'STARTED' && p.status !== 'RECORDING', 60000);
    t.diagnostic(`${ended.status} ${ended.reason}, ${ended.duration} s`);
    const file = join(svc.dir, 'recordings', r.filename);
    assert.ok(decodedFrames(file) > 0);
    assert.equal(playWarnings(file), '', 'no non-monotonic DTS or other warnings');
  });
});
