/**
 * Scenarios with cameras, on config-defined test-pattern cameras (a pre-encoded H.264 loop
 * replayed with stream copy, so FFmpeg costs little): control path, camera scale and CPU,
 * media method latency. Each says why it is skipped on a server that cannot run it.
 */
import { CameraServiceClient } from '../../src/client/index.js';
import type { Caps } from '../lib/capabilities.js';
import { cpuMeter, rssMb } from '../lib/procfs.js';
import { distribution } from '../lib/stats.js';
import { sourceAddresses, testCameraConfig, type Subject } from '../lib/subject.js';
import { steadyRss } from './memory.js';
import { sleep, type Ctx, type Out, type Scenario } from './types.js';

/** Why camera scenarios cannot run on a server with these capabilities, or undefined when they can. */
export function cameraGap(caps: Caps, subject?: Subject): string | undefined {
  const streaming = caps.methods.has('start_streaming');
  if (subject?.kind === 'self' ? caps.testPatternConfig.length === 0 : caps.cameras.length === 0) {
    return `not available yet: ${subject?.kind === 'self' ? 'this build has no test-pattern camera configuration (issue 4)' : 'the target lists no camera'}`;
  }
  if (!streaming) return 'not available yet: the server does not offer start_streaming (issue 4)';
  return undefined;
}

/** Polls `probe` every `everyMs` until it returns true; resolves with the elapsed ms, rejects on timeout. */
async function until(probe: () => boolean | Promise<boolean>, timeoutMs: number, what: string, everyMs = 10): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    if (await probe()) return performance.now() - t0;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

interface PathState {
  available: boolean;
  availableTime: string | null;
}

/** The MediaMTX runtime state of a path (undefined: no such path, or MediaMTX not answering). */
async function mtxPath(s: Subject, name: string): Promise<PathState | undefined> {
  try {
    const res = await fetch(`${s.mediamtxApiUrl}/v3/paths/get/${name}`, { signal: AbortSignal.timeout(1000) });
    return res.ok ? ((await res.json()) as PathState) : undefined;
  } catch {
    return undefined;
  }
}

async function mtxConfiguredPaths(s: Subject): Promise<Set<string>> {
  try {
    const res = await fetch(`${s.mediamtxApiUrl}/v3/config/paths/list?itemsPerPage=1000`, { signal: AbortSignal.timeout(1000) });
    if (!res.ok) return new Set();
    return new Set(((await res.json()) as { items: { name: string }[] }).items.map((p) => p.name));
  } catch {
    return new Set();
  }
}

const byComm = (s: Subject, re: RegExp) => s.children().filter((p) => re.test(p.comm));
const FFMPEG = /^ffmpeg/;
const MEDIAMTX = /mediamtx/i;

async function adminClient(s: Subject): Promise<CameraServiceClient> {
  const c = await CameraServiceClient.connect(s.url, { timeoutMs: 30000 });
  await c.authenticate(await s.token('admin'));
  return c;
}

function connectedCameras(caps: Caps): string[] {
  return caps.cameras.filter((c) => c.status === 'CONNECTED').map((c) => c.device);
}

/** A fresh service with `n` test-pattern cameras (and `overrides`); skips the scenario if that is impossible. */
async function withCameras(ctx: Ctx, out: Out, n: number, overrides: Record<string, unknown> = {}): Promise<{ s: Subject; caps: Caps; cams: string[] } | undefined> {
  const s = await ctx.subject({ overrides: { ...(testCameraConfig(n) ?? {}), ...overrides } });
  const caps = await ctx.caps(s);
  const gap = cameraGap(caps, s);
  if (gap) return void out.skip(gap);
  const cams = connectedCameras(caps);
  if (cams.length < Math.min(n, 1)) return void out.skip(`asked for ${n} test-pattern cameras, the server lists ${cams.length} connected`);
  return { s, caps, cams };
}

export const controlPath: Scenario = {
  name: 'control-path',
  title: 'Control path',
  what:
    'A fresh service with two on-demand test-pattern cameras. Per run: start_streaming → its reply, and → the MediaMTX path available (a publisher is ' +
    'online with tracks: what an RTSP reader needs, minus its first keyframe); SIGKILL of that FFmpeg → path available again (new publisher); ' +
    'stop_streaming → no FFmpeg left; SIGKILL of MediaMTX → every camera path configured in the new MediaMTX, and → the streamed camera available again. ' +
    'Paths and availability are polled every 10 ms on the MediaMTX API, so figures carry up to ~10 ms of polling granularity. ' +
    'Not measured yet: camera appears (registry event) → path ready, which needs cameras added at run time (test-pattern cameras are config-only).',
  async run(ctx, out) {
    const s0 = await ctx.current();
    if (s0.kind !== 'self') return out.skip('needs this service’s MediaMTX API and process table (self only)');
    const setup = await withCameras(ctx, out, 2);
    if (!setup) return;
    const { s, cams } = setup;
    const [a, b = a] = cams as [string, string?];
    const c = await adminClient(s);
    try {
      // Warm-up, not recorded: the first start of a test-pattern camera may encode its loop file.
      let t0 = performance.now();
      await c.call('start_streaming', { device: a });
      await until(async () => (await mtxPath(s, a))?.available === true, 120000, `${a} available`);
      out.notes.push(`first start_streaming → available (warm-up, not in the figures): ${Math.round(performance.now() - t0)} ms`);
      await c.call('stop_streaming', { device: a });
      await until(() => byComm(s, FFMPEG).length === 0, 10000, 'no FFmpeg left');
      for (let r = 0; r < ctx.opts.repeats; r++) {
        ctx.log(`control-path: run ${r + 1}/${ctx.opts.repeats}`);
        t0 = performance.now();
        await c.call('start_streaming', { device: a });
        out.figures.value('control.start_streaming_reply', 'start_streaming reply', performance.now() - t0, 'ms');
        await until(async () => (await mtxPath(s, a))?.available === true, 20000, `${a} available`);
        out.figures.value('control.start_to_available', 'start_streaming sent → path available', performance.now() - t0, 'ms');

        const before = (await mtxPath(s, a))?.availableTime;
        const ff = byComm(s, FFMPEG);
        if (ff.length) {
          t0 = performance.now();
          for (const p of ff) process.kill(p.pid, 'SIGKILL');
          await until(async () => {
            const st = await mtxPath(s, a);
            return st?.available === true && st.availableTime !== before;
          }, 20000, `${a} available again after the FFmpeg kill`);
          out.figures.value('control.ffmpeg_kill_to_available', 'FFmpeg SIGKILL → path available again', performance.now() - t0, 'ms');
        } else out.notes.push(`run ${r + 1}: no FFmpeg child found to kill`);

        t0 = performance.now();
        await c.call('stop_streaming', { device: a });
        await until(() => byComm(s, FFMPEG).length === 0, 10000, 'no FFmpeg left');
        out.figures.value('control.stop_to_no_ffmpeg', 'stop_streaming sent → no FFmpeg left', performance.now() - t0, 'ms');

        await c.call('start_streaming', { device: b });
        await until(async () => (await mtxPath(s, b))?.available === true, 20000, `${b} available`);
        const [mtx] = byComm(s, MEDIAMTX);
        if (mtx) {
          t0 = performance.now();
          process.kill(mtx.pid, 'SIGKILL');
          await until(() => !byComm(s, MEDIAMTX).some((p) => p.pid === mtx.pid), 5000, 'MediaMTX gone');
          await until(async () => {
            const paths = await mtxConfiguredPaths(s);
            return cams.every((id) => paths.has(id));
          }, 30000, 'every camera path restored', 20);
          out.figures.value('control.mediamtx_kill_to_paths', 'MediaMTX SIGKILL → every camera path configured again', performance.now() - t0, 'ms');
          await until(async () => (await mtxPath(s, b))?.available === true, 30000, `${b} available after the MediaMTX restart`, 20);
          out.figures.value('control.mediamtx_kill_to_available', 'MediaMTX SIGKILL → streamed camera available again', performance.now() - t0, 'ms');
        }
        await c.call('stop_streaming', { device: b });
        await until(() => byComm(s, FFMPEG).length === 0, 10000, 'no FFmpeg left');
      }
    } finally {
      await c.close();
    }
  },
};

interface Step {
  cameras: number;
  clients: number;
}

export const cameraScale: Scenario = {
  name: 'camera-scale',
  title: 'Camera scale and CPU',
  what:
    'A fresh service per step with N always-on test-pattern cameras (1280x720 30 fps loop, stream copy) and M idle authenticated clients; after every ' +
    'path is available and 2 s of settling, CPU from /proc/<pid>/stat over consecutive windows (each window is one run): the service process alone, ' +
    'its FFmpeg children summed, and MediaMTX. 100 % = one core; the machine has two. RSS of the service after the windows. ' +
    'Not measured yet: 16 cameras added and removed in cycles (needs cameras added at run time).',
  async run(ctx, out) {
    const s0 = await ctx.current();
    if (s0.kind !== 'self') return out.skip('needs to start this service with test-pattern cameras (self only)');
    const steps: Step[] = ctx.opts.smoke
      ? [{ cameras: 1, clients: 5 }]
      : [
          { cameras: 0, clients: 0 },
          { cameras: 5, clients: 0 },
          { cameras: 10, clients: 100 },
          { cameras: 10, clients: 500 },
          { cameras: 16, clients: 1000 },
        ];
    const windows = 5;
    const windowMs = ctx.opts.smoke ? 300 : 1000;
    for (const step of steps) {
      const key = `${step.cameras}cams_${step.clients}clients`;
      const label = `${step.cameras} cameras, ${step.clients} clients`;
      ctx.log(`camera-scale: ${label}`);
      const setup = step.cameras
        ? await withCameras(ctx, out, step.cameras, { streaming: { default_mode: 'always_on' } })
        : { s: await ctx.subject(), cams: [] as string[] };
      if (!setup) return;
      const { s, cams } = setup;
      const pid = s.pid!;
      if (cams.length) {
        const t = await until(async () => {
          for (const id of cams) if ((await mtxPath(s, id))?.available !== true) return false;
          return true;
        }, 60000, `all ${cams.length} paths available`, 50);
        out.figures.value(`camera_scale.${key}.all_available`, `${label}: all paths available after the service was ready`, t, 'ms');
      }
      if (step.clients) {
        const o = await ctx.gen.run({ cmd: 'open', group: 'scale', url: s.url, count: step.clients, token: await s.token('viewer'), concurrency: 100, sourceAddresses: sourceAddresses(s.url, step.clients), timeoutMs: 15000 });
        if (o.opened < step.clients) out.notes.push(`${label}: only ${o.opened} clients connected`);
      }
      await sleep(ctx.opts.smoke ? 300 : 2000);
      const service = cpuMeter(pid);
      const ffmpeg = cpuMeter(() => byComm(s, FFMPEG).map((p) => p.pid));
      const mediamtx = cpuMeter(() => byComm(s, MEDIAMTX).map((p) => p.pid));
      for (let w = 0; w < windows; w++) {
        await sleep(windowMs);
        out.figures.value(`camera_scale.${key}.service_cpu`, `${label}: service CPU`, service(), '%');
        out.figures.value(`camera_scale.${key}.ffmpeg_cpu`, `${label}: FFmpeg children CPU (sum)`, ffmpeg(), '%');
        out.figures.value(`camera_scale.${key}.mediamtx_cpu`, `${label}: MediaMTX CPU`, mediamtx(), '%');
      }
      out.figures.value(`camera_scale.${key}.rss`, `${label}: service RSS`, await steadyRss(pid), 'MB');
      const ff = byComm(s, FFMPEG);
      if (step.cameras) {
        out.figures.value(`camera_scale.${key}.ffmpeg_count`, `${label}: FFmpeg processes`, ff.length, 'count', 'none');
        out.figures.value(`camera_scale.${key}.ffmpeg_rss`, `${label}: FFmpeg RSS (sum)`, ff.reduce((a, p) => a + rssMb(p.pid), 0), 'MB');
      }
      if (step.clients) await ctx.gen.run({ cmd: 'close', group: 'scale' });
    }
    out.notes.push('each CPU window is one run; min–max across windows shows how steady the load is (and what other jobs on the machine did)');
  },
};

export const mediaLatency: Scenario = {
  name: 'media-latency',
  title: 'Media method latency',
  what:
    'One test-pattern camera streamed with start_streaming (ready per get_stream_status); then, one request at a time: take_snapshot while streaming ' +
    '(budget p95 < 50 ms), and cycles of start_recording, 1 s of recording, stop_recording (reply latency of each).',
  async run(ctx, out) {
    const setup = await withCameras(ctx, out, 1);
    if (!setup) return;
    const { s, caps, cams } = setup;
    const missing = ['take_snapshot', 'start_recording', 'stop_recording', 'get_stream_status'].filter((m) => !caps.methods.has(m));
    if (missing.length === 4) return out.skip('not available yet: the server offers none of take_snapshot, start_recording, stop_recording');
    for (const m of missing) out.notes.push(`${m}: not offered by this server yet`);
    const device = cams[0]!;
    const c = await adminClient(s);
    const snapshots = ctx.opts.smoke ? 3 : 30;
    const cycles = ctx.opts.smoke ? 1 : 3;
    try {
      await c.call('start_streaming', { device });
      if (caps.methods.has('get_stream_status')) await until(async () => (await c.call('get_stream_status', { device })).ready, 120000, `${device} ready`, 50);
      if (caps.methods.has('take_snapshot')) {
        const t = performance.now();
        await c.call('take_snapshot', { device });
        out.notes.push(`first take_snapshot after the stream became ready (not in the figures): ${Math.round(performance.now() - t)} ms`);
      }
      for (let r = 0; r < ctx.opts.repeats; r++) {
        if (caps.methods.has('take_snapshot')) {
          const lat: number[] = [];
          for (let i = 0; i < snapshots; i++) {
            const t = performance.now();
            await c.call('take_snapshot', { device });
            lat.push(performance.now() - t);
          }
          out.figures.dist('media.take_snapshot', 'take_snapshot while streaming, one at a time', distribution(lat));
        }
        if (caps.methods.has('start_recording') && caps.methods.has('stop_recording')) {
          const start: number[] = [];
          const stop: number[] = [];
          for (let i = 0; i < cycles; i++) {
            let t = performance.now();
            await c.call('start_recording', { device });
            start.push(performance.now() - t);
            await sleep(1000);
            t = performance.now();
            await c.call('stop_recording', { device });
            stop.push(performance.now() - t);
          }
          out.figures.dist('media.start_recording', 'start_recording reply', distribution(start));
          out.figures.dist('media.stop_recording', 'stop_recording reply', distribution(stop));
        }
      }
      await c.call('stop_streaming', { device });
    } finally {
      await c.close();
    }
  },
};
