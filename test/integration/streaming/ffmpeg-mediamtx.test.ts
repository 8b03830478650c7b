/**
 * The shipped pipelines against a real MediaMTX (v1.20.1, minimal config, RTSP over TCP):
 * publish, read back with ffprobe, relay, snapshot, and heal after the server dies.
 */
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { runFfmpegOnce } from '../../../src/streaming/ffmpeg/one-shot.js';
import { FfmpegSupervisor, type ProcessExit, type StateChange } from '../../../src/streaming/ffmpeg/supervisor.js';
import { ensureTestLoop } from '../../../src/streaming/ffmpeg/test-loop.js';
import { loadTemplatesSync } from '../../../src/streaming/templates/catalog.js';
import { planPublish, planSnapshot, type StreamSource } from '../../../src/streaming/templates/select.js';
import { ffprobe, killMarked, marker, nextEvent, startMediamtx, tempDir } from '../../helpers/ffmpeg.js';

const catalog = loadTemplatesSync();

/** Starts a supervised publisher and waits for its first frame; disposed by t.after. */
async function publish(t: TestContext, source: StreamSource, publishUrl: string, extra: { loopFile?: string } = {}) {
  const plan = planPublish(source, catalog, { publishUrl, ...extra });
  const mark = marker();
  const sup = new FfmpegSupervisor({ argv: plan.argv, env: mark.env, backoff: { baseMs: 100, capMs: 400 } });
  t.after(async () => {
    await sup.dispose();
    assert.deepEqual(killMarked(mark.id), []);
  });
  const started = nextEvent(sup, 'started');
  sup.start();
  await started;
  return { sup, plan };
}

interface PathInfo {
  ready: boolean;
  source: { type: string } | null;
  tracks: string[];
}

describe('FFmpeg pipelines with a real MediaMTX', () => {
  it('the live test pattern publishes H.264 that a reader decodes at the requested size', async (t) => {
    const mtx = await startMediamtx(t);
    const { plan } = await publish(t, { kind: 'test-pattern', width: 320, height: 240, fps: 10 }, mtx.rtspUrl('camera0'));
    assert.equal(plan.template, 'testsrc-x264');
    assert.deepEqual(await ffprobe(mtx.rtspUrl('camera0')), { codec_name: 'h264', width: 320, height: 240 });
    const path = (await mtx.api('/v3/paths/get/camera0')) as PathInfo;
    assert.equal(path.ready, true);
    assert.equal(path.source?.type, 'rtspSession');
    assert.deepEqual(path.tracks, ['H264']);
  });

  it('the loop clip is generated once and replayed by stream copy; relay and JPEG/PNG snapshots read it', async (t) => {
    const mtx = await startMediamtx(t);
    const cacheDir = tempDir(t, 'loop-cache-');
    const opts = { cacheDir, lookup: catalog, width: 320, height: 240, fps: 10 };
    const [a, b] = await Promise.all([ensureTestLoop(opts), ensureTestLoop(opts)]);
    assert.equal(a, b);
    assert.equal(a, join(cacheDir, 'testsrc2-320x240-10fps-2s.mp4'));
    const before = await stat(a);
    assert.equal(await ensureTestLoop(opts), a);
    assert.equal((await stat(a)).mtimeMs, before.mtimeMs, 'cached, not regenerated');
    assert.deepEqual(await ffprobe(a), { codec_name: 'h264', width: 320, height: 240 });

    const loop = await publish(t, { kind: 'test-pattern', width: 320, height: 240, fps: 10, loop: true }, mtx.rtspUrl('loop'), { loopFile: a });
    assert.equal(loop.plan.template, 'testsrc-loop-copy');

    // Relay and snapshots read the loop path at the same time (each waits for a keyframe).
    const dir = tempDir(t, 'snapshots-');
    const jpg = planSnapshot({ kind: 'rtsp', url: mtx.rtspUrl('loop') }, catalog, { format: 'jpg', output: join(dir, 'a.jpg'), quality: 90 });
    const png = planSnapshot({ kind: 'rtsp', url: mtx.rtspUrl('loop') }, catalog, { format: 'png', output: join(dir, 'a.png') });
    const [relay, ...shots] = await Promise.all([
      publish(t, { kind: 'rtsp', url: mtx.rtspUrl('loop') }, mtx.rtspUrl('relay')),
      runFfmpegOnce(jpg.argv, { timeoutMs: 10_000 }),
      runFfmpegOnce(png.argv, { timeoutMs: 10_000 }),
    ]);
    assert.equal(relay.plan.template, 'rtsp-relay');
    const probes = Promise.all([ffprobe(mtx.rtspUrl('relay')), ffprobe(join(dir, 'a.jpg')), ffprobe(join(dir, 'a.png'))]);
    for (const [i, [plan, magic]] of ([[jpg, 'ffd8ff'], [png, '89504e47']] as const).entries()) {
      assert.ok(shots[i]!.ok, `${plan.template}: ${shots[i]!.summary} ${shots[i]!.stderr.join('\n')}`);
      assert.equal((await readFile(plan.argv.at(-1)!)).subarray(0, magic.length / 2).toString('hex'), magic);
    }
    assert.deepEqual(await probes, [
      { codec_name: 'h264', width: 320, height: 240 },
      { codec_name: 'mjpeg', width: 320, height: 240 },
      { codec_name: 'png', width: 320, height: 240 },
    ]);
  });

  it('a snapshot of a path nobody publishes fails with stream_not_found', async (t) => {
    const mtx = await startMediamtx(t);
    const dir = tempDir(t, 'snapshots-');
    const plan = planSnapshot({ kind: 'rtsp', url: mtx.rtspUrl('nobody') }, catalog, { format: 'jpg', output: join(dir, 'x.jpg') });
    const r = await runFfmpegOnce(plan.argv, { timeoutMs: 10_000 });
    assert.equal(r.ok, false);
    assert.equal(r.error?.code, 'stream_not_found');
    await assert.rejects(stat(join(dir, 'x.jpg')));
  });

  it('when MediaMTX dies the publisher backs off, and it publishes again once MediaMTX is back', async (t) => {
    const first = await startMediamtx(t);
    const { sup } = await publish(t, { kind: 'test-pattern', width: 160, height: 120, fps: 10 }, first.rtspUrl('camera0'));
    const lost = nextEvent(sup, 'exit');
    const backoff = nextEvent(sup, 'state', (s: StateChange) => s.state === 'backoff');
    first.child.signal('SIGKILL');
    const [exit] = (await lost) as [ProcessExit];
    assert.equal(exit.requested, false);
    assert.equal(exit.error?.code, 'connection_lost', exit.summary);
    await backoff;
    // Restarts meanwhile fail with "connection refused" until the server is back.
    await nextEvent(sup, 'exit', (e: ProcessExit) => e.error?.code === 'connection_refused');
    const again = nextEvent(sup, 'started');
    const second = await startMediamtx(t, { rtspPort: first.rtspPort, apiPort: first.apiPort });
    await again;
    assert.ok(sup.status().restarts >= 2);
    assert.deepEqual(await ffprobe(second.rtspUrl('camera0')), { codec_name: 'h264', width: 160, height: 120 });
  });
});
