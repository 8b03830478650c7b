import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ffprobeFor, parseDuration } from '../../../src/media/probe.js';
import { recorderCommand, remuxArgv } from '../../../src/media/recorder-argv.js';
import { spaceOf } from '../../../src/media/storage.js';
import { tapArgv } from '../../../src/media/live-tap.js';
import { summarizeExit } from '../../../src/media/recorder.js';

const base = { binary: 'ffmpeg', sourceUrl: 'rtsp://127.0.0.1:8554/camera0', dir: '/rec', base: 'camera0_2026-01-05_04-03-02' };
const after = (argv: string[], flag: string) => argv[argv.indexOf(flag) + 1];

describe('recorder command', () => {
  it('fmp4 in one file: stream copy of the RTSP path, fragmented MP4 flushed per fragment, no re-encoding', () => {
    const c = recorderCommand({ ...base, format: 'fmp4' });
    assert.equal(c.firstPart, '/rec/camera0_2026-01-05_04-03-02.mp4');
    assert.equal(c.partOneLink, undefined);
    assert.equal(c.argv.at(-1), c.firstPart);
    assert.equal(after(c.argv, '-i'), base.sourceUrl);
    assert.equal(after(c.argv, '-c'), 'copy');
    assert.equal(after(c.argv, '-f'), 'mp4');
    assert.equal(after(c.argv, '-movflags'), '+frag_keyframe+empty_moov+default_base_moof');
    assert.equal(after(c.argv, '-flush_packets'), '1');
    assert.ok(!c.argv.includes('-t'), 'duration is enforced by the service');
    assert.ok(!c.argv.some((a) => /lib(x264|x265)|-c:v/.test(a)), 'never an encoder');
    assert.ok(!c.argv.includes('pipe:1'));
  });

  it('segments: the segment muxer cuts numbered parts, with part 1 linked to the recording name', () => {
    const c = recorderCommand({ ...base, format: 'mkv', segmentS: 600 });
    assert.equal(after(c.argv, '-f'), 'segment');
    assert.equal(after(c.argv, '-segment_time'), '600');
    assert.equal(after(c.argv, '-segment_format'), 'matroska');
    assert.equal(after(c.argv, '-segment_format_options'), 'flush_packets=1:cluster_time_limit=1000', 'Matroska clusters of a second reach the disk as written');
    assert.equal(after(c.argv, '-segment_start_number'), '1');
    assert.equal(c.argv.at(-1), '/rec/camera0_2026-01-05_04-03-02_part%d.mkv');
    assert.equal(c.partOneLink, '/rec/camera0_2026-01-05_04-03-02_part1.mkv');
    assert.equal(c.firstPart, '/rec/camera0_2026-01-05_04-03-02.mkv');
    const mp4 = recorderCommand({ ...base, format: 'mp4', segmentS: 60 });
    assert.equal(after(mp4.argv, '-segment_format_options'), 'movflags=+frag_keyframe+empty_moov+default_base_moof:flush_packets=1');
  });

  it('remux: progressive MP4 with the index in front, or an indexed Matroska', () => {
    assert.deepEqual(remuxArgv('ffmpeg', '/rec/a.mp4', '/rec/.t.mp4', 'mp4').slice(-6), ['-f', 'mp4', '-movflags', '+faststart', '-y', '/rec/.t.mp4']);
    assert.deepEqual(remuxArgv('ffmpeg', '/rec/a.mkv', '/rec/.t.mkv', 'mkv').slice(-4), ['-f', 'matroska', '-y', '/rec/.t.mkv']);
  });

  it('live tap: keyframes only, JPEG to stdout as multipart', () => {
    const a = tapArgv('ffmpeg', base.sourceUrl, 5);
    assert.equal(after(a, '-skip_frame'), 'nokey');
    assert.equal(after(a, '-q:v'), '5');
    assert.deepEqual(a.slice(-3), ['-f', 'mpjpeg', '-']);
  });

  it('exit summaries: a full disk is told apart', () => {
    assert.deepEqual(summarizeExit({ code: 1, signal: null, at: 0 }, ['av_interleaved_write_frame(): No space left on device']), { diskFull: true, summary: 'exit code 1: no space left on device' });
    assert.deepEqual(summarizeExit({ code: 1, signal: null, at: 0 }, ['Connection refused']), { diskFull: false, summary: 'exit code 1: connection refused' });
    assert.deepEqual(summarizeExit({ code: null, signal: 'SIGKILL', at: 0 }, []), { diskFull: false, summary: 'killed by SIGKILL' });
  });
});

describe('probe and storage helpers', () => {
  it('ffprobe beside the configured FFmpeg', () => {
    assert.equal(ffprobeFor('ffmpeg'), 'ffprobe');
    assert.equal(ffprobeFor('/opt/ff/bin/ffmpeg'), '/opt/ff/bin/ffprobe');
    assert.equal(ffprobeFor('/usr/local/bin/my-encoder'), 'ffprobe');
  });

  it('durations from ffprobe output', () => {
    assert.equal(parseDuration(['5.033333']), 5.033333);
    assert.equal(parseDuration(['N/A']), null);
    assert.equal(parseDuration([]), null);
  });

  it('statfs figures like df: usage of the space available to the service', () => {
    assert.deepEqual(spaceOf({ bsize: 4096, blocks: 1000, bfree: 300, bavail: 250 }), { total: 4096000, used: 2867200, available: 1024000, usagePercent: 73.68 });
    assert.equal(spaceOf({ bsize: 4096, blocks: 0, bfree: 0, bavail: 0 }).usagePercent, 0);
  });
});
