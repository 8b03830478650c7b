import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseProgressBlock, parseProgressText, ProgressParser } from '../../../src/streaming/ffmpeg/progress.js';
import { fixtureNames, readFixture } from './fixtures.js';

describe('FFmpeg -progress output recorded from the real FFmpeg 5.1', () => {
  it('test pattern to the null muxer: frames count up to the end block', () => {
    const snaps = parseProgressText(readFixture('host', 'progress-testsrc-null.txt'));
    assert.equal(snaps.length, 6);
    assert.deepEqual(snaps.map((s) => s.frame), [1, 6, 11, 16, 21, 22]);
    assert.deepEqual(snaps.map((s) => s.end), [false, false, false, false, false, true]);
    assert.equal(snaps[0]!.fps, 0, 'FFmpeg reports fps 0 during the first second');
    assert.equal(snaps.at(-1)!.fps, 10);
    assert.equal(snaps.at(-1)!.speed, 1, 'padded "   1x"');
    assert.equal(snaps.at(-1)!.outTimeUs, 2_200_000);
    assert.equal(snaps[0]!.speed, null);
    assert.equal(snaps[1]!.speed, 1.19);
    assert.equal(snaps.at(-1)!.bitrateKbps, null);
    assert.equal(snaps.at(-1)!.totalSizeBytes, null);
  });

  it('to a file: bitrate and size are numbers', () => {
    const last = parseProgressText(readFixture('host', 'progress-testsrc-mpegts-file.txt')).at(-1)!;
    assert.deepEqual(last, {
      frame: 22, fps: 9.99, bitrateKbps: 499.9, totalSizeBytes: 131224, outTimeUs: 2_100_011,
      dupFrames: 0, dropFrames: 0, speed: 0.954, end: true,
    });
  });

  it('published over RTSP: frames and fps, but no byte counters', () => {
    const snaps = parseProgressText(readFixture('host', 'progress-rtsp-publish.txt'));
    assert.ok(snaps.length >= 4);
    assert.ok(snaps.some((s) => s.fps > 9 && s.fps < 11));
    assert.ok(snaps.every((s) => s.bitrateKbps === null && s.totalSizeBytes === null));
  });

  it('a real V4L2 camera (vivid) encoded with libx264', () => {
    const snaps = parseProgressText(readFixture('vivid', 'progress-v4l2-yuyv-x264.txt'));
    assert.equal(snaps.at(-1)!.frame, 40);
    assert.equal(snaps.at(-1)!.end, true);
    for (let i = 1; i < snaps.length; i++) assert.ok(snaps[i]!.frame >= snaps[i - 1]!.frame);
  });

  it('every recorded progress file parses into snapshots with non-decreasing frames', () => {
    for (const [dir, pattern] of [['host', /^progress-/], ['vivid', /^progress-/]] as const) {
      for (const name of fixtureNames(dir, pattern)) {
        const snaps = parseProgressText(readFixture(dir, name));
        assert.ok(snaps.length > 0, name);
        assert.ok(snaps.every((s, i) => i === 0 || s.frame >= snaps[i - 1]!.frame), name);
      }
    }
  });
});

describe('ProgressParser', () => {
  it('emits one snapshot per block, at the progress= line only', () => {
    const p = new ProgressParser();
    assert.equal(p.push('frame=5'), undefined);
    assert.equal(p.push('fps=2.5'), undefined);
    const snap = p.push('progress=continue');
    assert.equal(snap?.frame, 5);
    assert.equal(snap?.fps, 2.5);
    // The next block starts fresh.
    assert.equal(p.push('progress=continue')?.frame, 0);
  });

  it('ignores lines that are not key=value', () => {
    const p = new ProgressParser();
    for (const l of ['', 'hello', '=x', '[h264 @ 0x1] warning', 'frame=3']) p.push(l);
    assert.equal(p.push('progress=end')?.frame, 3);
  });

  it('reads N/A and odd values as null, not as NaN', () => {
    const s = parseProgressBlock({ frame: 'N/A', fps: 'nan', bitrate: 'N/A', total_size: 'N/A', out_time_us: 'N/A', speed: 'N/A', progress: 'continue' });
    assert.deepEqual(s, { frame: 0, fps: 0, bitrateKbps: null, totalSizeBytes: null, outTimeUs: null, dupFrames: 0, dropFrames: 0, speed: null, end: false });
  });
});
