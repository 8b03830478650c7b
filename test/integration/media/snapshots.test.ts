/** Snapshots through the real daemon: from the live tap while streaming, else from a stream started for it. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { jpegSize } from '../../../src/media/mpjpeg.js';
import { processesMatching, startService, until, type RunningService } from '../../helpers/service.js';
import { collect, pathOf, percentile, rawRequest } from './media-helpers.js';

const CAM = { width: 352, height: 288, fps: 15 };
const rejectsWith = (code: number) => (e: { code: number }) => e.code === code;
/** FFmpeg processes reading the camera's path or publishing it. */
const ffmpegOf = (svc: RunningService) => processesMatching(`:${svc.rtspPort}/camera0`, 'ffmpeg');

interface Snap {
  filename: string;
  status: string;
  file_size: number;
  source: string;
  download_url: string;
}

describe('snapshots', () => {
  it('while streaming: a JPEG of the stream resolution from the live tap, without starting FFmpeg; latency measured', async (t) => {
    const svc = await startService({ test_cameras: { patterns: [{ name: 'a', ...CAM }] }, storage: { min_free_bytes: 0 }, streaming: { default_mode: 'always_on' } });
    t.after(() => svc.stop());
    const c = await svc.client('operator');
    t.after(() => c.close());
    const notes = collect(c);
    await c.call('subscribe_events', { topics: ['snapshot.taken'] });

    // The first one may wait for the tap's first keyframe; after that the tap has an image.
    const first = (await c.call('take_snapshot', { device: 'camera0' })) as unknown as Snap;
    assert.equal(first.status, 'SUCCESS');
    const processes = ffmpegOf(svc).length;
    const latencies: number[] = [];
    let last: Snap | undefined;
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      last = (await c.call('take_snapshot', { device: 'camera0' })) as unknown as Snap;
      latencies.push(performance.now() - t0);
      assert.equal(last.source, 'live');
    }
    t.diagnostic(`take_snapshot round trip while streaming (30 calls): p50 ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`);
    assert.equal(ffmpegOf(svc).length, processes, 'no FFmpeg started for a snapshot');

    const jpeg = readFileSync(join(svc.dir, 'snapshots', last!.filename));
    assert.equal(jpeg.length, last!.file_size);
    assert.deepEqual([jpeg[0], jpeg[1], jpeg.at(-2), jpeg.at(-1)], [0xff, 0xd8, 0xff, 0xd9]);
    assert.deepEqual(jpegSize(jpeg), { width: CAM.width, height: CAM.height });
    assert.match(last!.filename, /^camera0_\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}_\d{3}(_\d+)?\.jpg$/);
    const taken = await notes.wait('snapshot.taken', (p) => p.filename === last!.filename);
    assert.deepEqual([taken.device, taken.file_size, taken.source], ['camera0', jpeg.length, 'live']);

    const dl = await rawRequest(svc.port, last!.download_url, { headers: { authorization: `Bearer ${await svc.token('viewer')}` } });
    assert.deepEqual([dl.status, dl.headers['content-type']], [200, 'image/jpeg']);
    assert.ok(dl.body.equals(jpeg));
    const listed = await c.call('list_snapshots', { limit: 1 });
    assert.equal(listed.total, 31);
    assert.equal(listed.files[0]!.filename, last!.filename, 'newest first');
    const info = await c.call('get_snapshot_info', { filename: last!.filename });
    assert.deepEqual([info.file_size, pathOf(info.download_url)], [jpeg.length, pathOf(listed.files[0]!.download_url)]);

    // A burst of concurrent snapshots: each its own file, none refused (names share the millisecond).
    const burst = (await Promise.all(Array.from({ length: 8 }, () => c.call('take_snapshot', { device: 'camera0' })))) as unknown as Snap[];
    assert.deepEqual(burst.map((b) => b.status), Array(8).fill('SUCCESS'));
    assert.equal(new Set(burst.map((b) => b.filename)).size, 8, burst.map((b) => b.filename).join(' '));
    assert.equal((await c.call('list_snapshots', { limit: 1 })).total, 39);
  });

  it('not streaming: the stream starts for the snapshot and stops after; PNG and other qualities; custom names', async (t) => {
    // encode_live: a camera whose stream does not start from a file (a loop camera's idle snapshot is its loop's first picture, next test).
    const svc = await startService({ test_cameras: { patterns: [{ name: 'a', ...CAM, encode_live: true }] }, storage: { min_free_bytes: 0 }, streaming: { reader_close_after_s: 1 } });
    t.after(() => svc.stop());
    const c = await svc.client('operator');
    t.after(() => c.close());
    assert.deepEqual(ffmpegOf(svc), [], 'on demand: nothing runs');

    const s = (await c.call('take_snapshot', { device: 'camera0', filename: 'front door' })) as unknown as Snap;
    assert.deepEqual([s.filename, s.source], ['front door.jpg', 'stream']);
    assert.deepEqual(jpegSize(readFileSync(join(svc.dir, 'snapshots', s.filename))), { width: CAM.width, height: CAM.height });
    await until(() => ffmpegOf(svc).length === 0, 15000, 'the stream to stop once the snapshot no longer needs it');

    const png = (await c.call('take_snapshot', { device: 'camera0', format: 'png' })) as unknown as Snap;
    assert.match(png.filename, /\.png$/);
    const pngBytes = readFileSync(join(svc.dir, 'snapshots', png.filename));
    assert.equal(pngBytes.subarray(1, 4).toString(), 'PNG');
    assert.deepEqual([pngBytes.readUInt32BE(16), pngBytes.readUInt32BE(20)], [CAM.width, CAM.height]);
    const low = (await c.call('take_snapshot', { device: 'camera0', quality: 5, filename: 'low.jpeg' })) as unknown as Snap;
    assert.equal(low.filename, 'low.jpeg');
    assert.deepEqual(jpegSize(readFileSync(join(svc.dir, 'snapshots', 'low.jpeg'))), { width: CAM.width, height: CAM.height });

    // An existing name is replaced, as the replaced service did (issue 15 item 9; was -32020).
    assert.equal((await c.call('take_snapshot', { device: 'camera0', filename: 'front door' })).status, 'SUCCESS');
    await assert.rejects(c.call('take_snapshot', { device: 'camera0', filename: 'x.png', format: 'jpg' }), rejectsWith(-32602));
    await assert.rejects(c.call('take_snapshot', { device: 'camera0', quality: 101 }), rejectsWith(-32602));
    await assert.rejects(c.call('take_snapshot', { device: 'camera4' }), rejectsWith(-32010));
    const viewer = await svc.client('viewer');
    t.after(() => viewer.close());
    await assert.rejects(viewer.call('take_snapshot', { device: 'camera0' }), rejectsWith(-32002));
    await until(() => ffmpegOf(svc).length === 0, 15000, 'no FFmpeg left');
  });

  it('an idle test-pattern camera replaying its loop: the loop\'s first picture (the one its stream starts with), without starting the stream', async (t) => {
    const svc = await startService({ test_cameras: { patterns: [{ name: 'a', ...CAM }] }, storage: { min_free_bytes: 0 }, streaming: { reader_close_after_s: 1 } });
    t.after(() => svc.stop());
    const c = await svc.client('operator');
    t.after(() => c.close());
    const first = (await c.call('take_snapshot', { device: 'camera0' })) as unknown as Snap;
    assert.equal(first.source, 'pattern');
    const bytes = readFileSync(join(svc.dir, 'snapshots', first.filename));
    assert.deepEqual(jpegSize(bytes), { width: CAM.width, height: CAM.height });
    const again = (await c.call('take_snapshot', { device: 'camera0' })) as unknown as Snap;
    assert.equal(again.source, 'pattern');
    assert.ok(readFileSync(join(svc.dir, 'snapshots', again.filename)).equals(bytes), 'the same first picture');
    assert.equal((await c.call('get_stream_status', { device: 'camera0' })).ffmpeg_process.running, false, 'no publisher started');
  });
});
