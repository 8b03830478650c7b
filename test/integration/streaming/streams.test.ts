/**
 * Streaming through the real daemon: test-pattern cameras published to a real managed
 * MediaMTX by FFmpeg processes the service supervises.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { spawnSync } from 'node:child_process';
import { stringify } from 'yaml';
import { ffprobe } from '../../helpers/ffmpeg.js';
import { MAIN, processesMatching, ROOT, SECRET, startService, until, type RunningService } from '../../helpers/service.js';

const SMALL = { width: 320, height: 240, fps: 15 };
/** The service's FFmpeg publishers for a camera (readers started by tests lack `pipe:1`). */
const publishers = (svc: RunningService, id: string) => processesMatching(`:${svc.rtspPort}/${id}`, 'pipe:1', 'ffmpeg');
const url = (svc: RunningService, id: string) => svc.rtspUrl(id);

/** Resolves once MediaMTX reports the camera's path available (its publisher is up). */
async function available(svc: RunningService, id: string, timeoutMs = 10000): Promise<void> {
  const c = await svc.client('viewer');
  try {
    await until(async () => (await c.call('get_stream_url', { device: id })).available, timeoutMs, `${id} available`, 50);
  } finally {
    await c.close();
  }
}

/** The id of the session publishing `path` in MediaMTX, or undefined when nothing publishes. */
async function mediamtxSource(svc: RunningService, path: string): Promise<string | undefined> {
  const r = await fetch(`${svc.mediamtxApiUrl}/v3/paths/get/${path}`, { headers: svc.mediamtxHeaders });
  if (!r.ok) return undefined;
  const p = (await r.json()) as { ready?: boolean; available?: boolean; source?: { id?: string } | null };
  return (p.available ?? p.ready) && p.source?.id ? p.source.id : undefined;
}

/** An RTSP reader that keeps reading until killed. */
function reader(svc: RunningService, id: string) {
  const p = spawn('ffmpeg', ['-v', 'error', '-rtsp_transport', 'tcp', '-i', url(svc, id), '-f', 'null', '-'], { stdio: 'ignore' });
  return { stop: () => new Promise<void>((resolve) => (p.exitCode !== null ? resolve() : (p.once('exit', () => resolve()), p.kill('SIGKILL')))) };
}

describe('streaming', () => {
  it('always_on test pattern: readable over RTSP; get_stream_status shows the process, path, readers and fps', async (t) => {
    const svc = await startService({ test_cameras: { patterns: [{ name: 'a', ...SMALL }] }, streaming: { default_mode: 'always_on' } });
    t.after(() => svc.stop());
    const c = await svc.client('viewer');
    const { cameras } = await c.call('get_camera_list');
    assert.equal(cameras.length, 1);
    assert.deepEqual({ ...cameras[0], streams: undefined }, { device: 'camera0', status: 'CONNECTED', name: 'Test pattern a', resolution: '320x240', fps: 15, streams: undefined });
    assert.equal(cameras[0]!.streams.rtsp, `rtsp://localhost:${svc.rtspPort}/camera0`);

    await available(svc, 'camera0');
    const probed = await ffprobe(url(svc, 'camera0'));
    assert.deepEqual(probed, { codec_name: 'h264', width: 320, height: 240 });

    const r = reader(svc, 'camera0');
    t.after(() => r.stop());
    await until(async () => (await c.call('get_stream_status', { device: 'camera0' })).mediamtx_path.readers > 0, 10000, 'a reader on the path');
    await until(async () => (await c.call('get_stream_status', { device: 'camera0' })).metrics.fps > 0, 10000, 'fps reported');
    const st = await c.call('get_stream_status', { device: 'camera0' });
    assert.equal(st.status, 'ACTIVE');
    assert.equal(st.ready, true);
    assert.equal(st.ffmpeg_process.running, true);
    assert.equal(typeof st.ffmpeg_process.pid, 'number');
    assert.deepEqual(publishers(svc, 'camera0'), [st.ffmpeg_process.pid]);
    assert.ok(st.metrics.bytes_sent > 0);
    const urlInfo = await c.call('get_stream_url', { device: 'camera0' });
    assert.deepEqual([urlInfo.available, urlInfo.stream_status, urlInfo.active_consumers >= 1], [true, 'READY', true]);
    const streams = await c.call('get_streams');
    assert.equal(streams[0]!.name, 'camera0');
    assert.equal(streams[0]!.ready, true);
    const admin = await svc.client('admin');
    const m = (await admin.call('get_metrics')) as { stream_metrics: Record<string, number>; camera_metrics: { cameras: Record<string, { streaming: boolean }> } };
    assert.equal(m.stream_metrics.active_streams, 1);
    assert.equal(m.stream_metrics.total_streams, 1);
    assert.ok((m.stream_metrics.total_viewers ?? 0) >= 1);
    assert.equal(m.camera_metrics.cameras.camera0!.streaming, true);
    await admin.close();
    await c.close();
  });

  it('on demand: no FFmpeg before the first reader; a reader starts it; it is gone after the idle time', async (t) => {
    const svc = await startService({ test_cameras: { patterns: [{ name: 'a', ...SMALL }] }, streaming: { reader_close_after_s: 1 } });
    t.after(() => svc.stop());
    assert.deepEqual(publishers(svc, 'camera0'), []);
    const probed = await ffprobe(url(svc, 'camera0'));
    assert.equal(probed.codec_name, 'h264');
    assert.equal(publishers(svc, 'camera0').length, 1);
    await until(() => publishers(svc, 'camera0').length === 0, 10000, 'the publisher to stop after the last reader left');
  });

  it('start_streaming starts the publisher and stop_streaming stops it; errors for unknown cameras', async (t) => {
    const svc = await startService({ test_cameras: { patterns: [{ name: 'a', ...SMALL }] } });
    t.after(() => svc.stop());
    const op = await svc.client('operator');
    const started = await op.call('start_streaming', { device: 'camera0' });
    assert.equal(started.status, 'STARTED');
    assert.equal(started.stream_url, `rtsp://localhost:${svc.rtspPort}/camera0`);
    assert.equal(started.auto_close_after, '300s');
    assert.match(started.ffmpeg_command, /^ffmpeg .*-f rtsp/);
    // Spawned before the reply; a process scan that meets it inside execve (setpriv → ffmpeg) reads
    // an empty command line for that instant (seen with three test runs on the 2 cores).
    await until(() => publishers(svc, 'camera0').length === 1, 5000, 'one publisher running');
    const stopped = await op.call('stop_streaming', { device: 'camera0' });
    assert.equal(stopped.status, 'STOPPED');
    assert.equal(stopped.stream_continues, false);
    await until(() => publishers(svc, 'camera0').length === 0, 5000, 'publisher gone');
    await assert.rejects(op.call('start_streaming', { device: 'camera7' }), (e: { code: number; data: { resource: string } }) => e.code === -32010 && e.data.resource === 'camera');
    const viewer = await svc.client('viewer');
    await assert.rejects(viewer.call('start_streaming', { device: 'camera0' }), (e: { code: number }) => e.code === -32002);
    await op.close();
    await viewer.close();
  });

  it('kill -9 of FFmpeg: readable again within 3 s, restart counted; never two publishers for one camera', async (t) => {
    const svc = await startService({ test_cameras: { patterns: [{ name: 'a', ...SMALL }] }, streaming: { default_mode: 'always_on' } });
    t.after(() => svc.stop());
    await available(svc, 'camera0');
    let maxSeen = 0;
    const sampler = setInterval(() => (maxSeen = Math.max(maxSeen, publishers(svc, 'camera0').length)), 10);
    t.after(() => clearInterval(sampler));
    const [pid] = publishers(svc, 'camera0');
    const before = await mediamtxSource(svc, 'camera0');
    assert.ok(before, 'camera0 has a publisher before the kill');
    process.kill(pid!, 'SIGKILL');
    const t0 = Date.now();
    // MediaMTX has the path with a new live publisher (another session than the killed one;
    // get_stream_url may answer from a snapshot up to 500 ms old, so ask MediaMTX itself).
    await until(async () => {
      const now = await mediamtxSource(svc, 'camera0');
      return now !== undefined && now !== before;
    }, 10000, 'a new publisher on camera0', 20);
    await available(svc, 'camera0');
    const availableAfter = Date.now() - t0;
    // Reader side: a real RTSP reader gets a frame (it waits for a keyframe, GOP 1 s).
    await ffprobe(url(svc, 'camera0'));
    t.diagnostic(`available again ${availableAfter} ms after kill -9, first frame read ${Date.now() - t0} ms after`);
    assert.ok(availableAfter < 3000, `available again after ${availableAfter} ms`);
    const metrics = await (await fetch(`${svc.httpUrl}/metrics`)).text();
    assert.match(metrics, /camera_service_ffmpeg_restarts_total\{camera="camera0"\} 1/);
    assert.equal(maxSeen, 1);
  });

  it('kill -9 of MediaMTX: every path is restored and readable within 5 s of MediaMTX being back', async (t) => {
    const patterns = [{ name: 'a', ...SMALL }, { name: 'b', ...SMALL }];
    const svc = await startService({ test_cameras: { patterns }, streaming: { default_mode: 'always_on' } });
    t.after(() => svc.stop());
    await available(svc, 'camera0');
    await available(svc, 'camera1');
    const mediamtxConfig = join(svc.dir, 'state', 'mediamtx.yml');
    const [mtx] = processesMatching(mediamtxConfig);
    process.kill(mtx!, 'SIGKILL');
    await until(() => processesMatching(mediamtxConfig).length === 1 && processesMatching(mediamtxConfig)[0] !== mtx, 5000, 'MediaMTX restarted by the service');
    const back = Date.now();
    for (const id of ['camera0', 'camera1']) await available(svc, id);
    const availableAfter = Date.now() - back;
    for (const id of ['camera0', 'camera1']) await ffprobe(url(svc, id));
    t.diagnostic(`all paths available ${availableAfter} ms after MediaMTX was back, read ${Date.now() - back} ms after`);
    assert.ok(availableAfter < 5000, `all paths available after ${availableAfter} ms`);
  });

  it('kill -9 of MediaMTX while an on-demand hook holds a reader and a recording runs: MediaMTX restarted, the hook ends with it', async (t) => {
    // Issue 15 defect 1: the hook inherits MediaMTX's stdout/stderr, so waiting for those
    // streams to close before treating MediaMTX as exited never ended, and the hook was orphaned.
    const svc = await startService({ test_cameras: { patterns: [{ name: 'a', ...SMALL }] }, storage: { min_free_bytes: 0 } });
    t.after(() => svc.stop());
    // The hook calls the service's loopback /internal/ listener (its port is in the ready line).
    const internalPort = (await svc.waitForLog((l) => l.msg === 'service ready')).internal_port as number;
    const hooks = () => processesMatching('on-demand-hook.sh', ` ${internalPort} `);
    const r = reader(svc, 'camera0');
    t.after(() => r.stop());
    await until(() => hooks().length === 1, 10000, 'the on-demand hook for the reader');
    const [hook] = hooks();
    const op = await svc.client('operator');
    t.after(() => op.close());
    await op.call('start_recording', { device: 'camera0' });
    const mediamtxConfig = join(svc.dir, 'state', 'mediamtx.yml');
    const [mtx] = processesMatching(mediamtxConfig);
    process.kill(mtx!, 'SIGKILL');
    await until(() => processesMatching(mediamtxConfig).some((p) => p !== mtx), 10000, 'MediaMTX restarted by the service');
    await until(() => !hooks().includes(hook!), 10000, 'the hook of the killed MediaMTX to end');
    await available(svc, 'camera0', 15000);
    await ffprobe(url(svc, 'camera0'));
  });

  it('a local process cannot publish to a camera path (issue 15 defect 6): refused, the camera keeps its publisher', async (t) => {
    const svc = await startService({ test_cameras: { patterns: [{ name: 'a', ...SMALL }] }, streaming: { default_mode: 'always_on' } });
    t.after(() => svc.stop());
    await available(svc, 'camera0');
    const before = await mediamtxSource(svc, 'camera0');
    for (const path of ['camera0', 'hijack']) {
      const p = spawn('ffmpeg', ['-v', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=10', '-t', '30', '-c:v', 'libx264', '-f', 'rtsp', '-rtsp_transport', 'tcp', url(svc, path)], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      p.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      const code = await new Promise<number | null>((resolve) => p.once('exit', resolve));
      assert.notEqual(code, 0, `publishing to ${path} without the service's credentials fails`);
      if (path === 'camera0') assert.match(err, /401 Unauthorized/, err);
    }
    assert.equal(await mediamtxSource(svc, 'camera0'), before, 'the camera keeps its own publisher');
    const op = await svc.client('operator');
    t.after(() => op.close());
    const started = await op.call('start_streaming', { device: 'camera0' });
    assert.ok(!/publisher:[^@]*@/.test(started.ffmpeg_command), `no credentials in ffmpeg_command: ${started.ffmpeg_command}`);
  });

  it('a template with a bad placeholder stops the service at start with exit 2 naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bad-templates-'));
    cpSync(join(ROOT, 'ffmpeg-templates'), join(dir, 'templates'), { recursive: true });
    const bad = join(dir, 'templates', 'testsrc-x264.yaml');
    writeFileSync(bad, spawnSync('sed', ['s/{gop}/{gopp}/', join(ROOT, 'ffmpeg-templates', 'testsrc-x264.yaml')], { encoding: 'utf8' }).stdout);
    const cfg = join(dir, 'c.yaml');
    writeFileSync(cfg, stringify({ server: { host: '127.0.0.1', port: 0 }, security: { jwt_secret: SECRET }, streaming: { templates_dir: join(dir, 'templates') }, storage: { state_path: join(dir, 'state') } }));
    const r = spawnSync(process.execPath, [MAIN, '--config', cfg], { encoding: 'utf8', timeout: 20000 });
    assert.equal(r.status, 2);
    assert.ok(r.stderr.includes('testsrc-x264.yaml'), r.stderr);
    assert.match(r.stderr, /gopp/);
  });
});

describe('stream metrics', () => {
  it('/metrics exposes per-camera families with bounded labels', async (t) => {
    const svc = await startService({ test_cameras: { patterns: [{ name: 'a', ...SMALL }] }, streaming: { default_mode: 'always_on' } });
    t.after(() => svc.stop());
    await available(svc, 'camera0');
    const text = await (await fetch(`${svc.httpUrl}/metrics`)).text();
    assert.match(text, /camera_service_camera_up\{camera="camera0"\} 1/);
    assert.match(text, /camera_service_stream_configured_fps\{camera="camera0"\} 15/);
    assert.match(text, /camera_service_stream_active\{camera="camera0"\} 1/);
    assert.match(text, /camera_service_stream_template_info\{camera="camera0",template="testsrc-loop-copy"\} 1/);
    assert.match(text, /camera_service_stream_inbound_bytes\{camera="camera0"\} \d+/);
    // 0, or 1 once the live snapshot tap of the always-on camera reads it (it starts within snapshots' 2 s check).
    assert.match(text, /camera_service_stream_readers\{camera="camera0"\} [01]\n/);
    for (const family of ['stream_fps', 'ffmpeg_dropped_frames', 'ffmpeg_duplicated_frames', 'stream_outbound_bytes', 'ffmpeg_exits_total', 'ffmpeg_restarts_total']) {
      assert.match(text, new RegExp(`# TYPE camera_service_${family} `), family);
    }
  });
});
