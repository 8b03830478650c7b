/**
 * Scenarios with cameras, on config-defined test-pattern cameras (a pre-encoded H.264 loop
 * replayed with stream copy, so FFmpeg costs little): control path, camera scale and CPU,
 * media method latency. Each says why it is skipped on a server that cannot run it.
 */
import { readFileSync } from 'node:fs';
import { CameraServiceClient, type Camera, type ParamsOf } from '../../src/client/index.js';
import type { Caps } from '../lib/capabilities.js';
import { monotonicNow } from '../lib/clock.js';
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
export async function until(probe: () => boolean | Promise<boolean>, timeoutMs: number, what: string, everyMs = 10): Promise<number> {
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
    const res = await fetch(`${s.mediamtxApiUrl}/v3/paths/get/${name}`, { headers: s.mediamtxHeaders ?? {}, signal: AbortSignal.timeout(1000) });
    return res.ok ? ((await res.json()) as PathState) : undefined;
  } catch {
    return undefined;
  }
}

async function mtxConfiguredPaths(s: Subject): Promise<Set<string>> {
  try {
    const res = await fetch(`${s.mediamtxApiUrl}/v3/config/paths/list?itemsPerPage=1000`, { headers: s.mediamtxHeaders ?? {}, signal: AbortSignal.timeout(1000) });
    if (!res.ok) return new Set();
    return new Set(((await res.json()) as { items: { name: string }[] }).items.map((p) => p.name));
  } catch {
    return new Set();
  }
}

/**
 * Watches MediaMTX's configured paths (listing every `everyMs`) until each of `names` is
 * present (or absent); resolves with, per name, the shared-clock time (lib/clock.ts) of the
 * reply of the first listing that showed it so: an upper bound, late by at most one listing
 * round trip plus `everyMs`. Start it before the change it watches for.
 */
async function watchPaths(s: Subject, names: string[], want: 'present' | 'absent', timeoutMs: number, everyMs = 2): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  const t0 = performance.now();
  while (seen.size < names.length) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for paths ${want}: ${names.filter((n) => !seen.has(n)).join(', ')}`);
    let listed: Set<string> | undefined;
    try {
      const res = await fetch(`${s.mediamtxApiUrl}/v3/config/paths/list?itemsPerPage=1000`, { headers: s.mediamtxHeaders ?? {}, signal: AbortSignal.timeout(1000) });
      if (res.ok) listed = new Set(((await res.json()) as { items: { name: string }[] }).items.map((p) => p.name));
    } catch {
      /* not answering: try again */
    }
    const at = monotonicNow();
    if (listed) for (const n of names) if (!seen.has(n) && listed.has(n) === (want === 'present')) seen.set(n, at);
    if (seen.size < names.length) await sleep(everyMs);
  }
  return seen;
}

/** Receipt times (shared clock) of camera_status_update by one client, per `device:STATUS`. */
class StatusReceipts {
  readonly #at = new Map<string, number>();
  constructor(client: CameraServiceClient) {
    client.onNotification('camera_status_update', (p: Camera) => {
      const at = monotonicNow();
      const key = `${p.device}:${p.status}`;
      if (!this.#at.has(key)) this.#at.set(key, at);
    });
  }

  /** Forgets earlier receipts of these keys (before the change that sends them). */
  reset(keys: string[]): void {
    for (const k of keys) this.#at.delete(k);
  }

  async wait(keys: string[], timeoutMs: number): Promise<Map<string, number>> {
    await until(() => keys.every((k) => this.#at.has(k)), timeoutMs, `camera_status_update ${keys.filter((k) => !this.#at.has(k)).join(', ')}`, 5);
    return new Map(keys.map((k) => [k, this.#at.get(k)!]));
  }
}

async function viewerClient(s: Subject): Promise<CameraServiceClient> {
  const c = await CameraServiceClient.connect(s.url, { timeoutMs: 30000 });
  await c.authenticate(await s.token('viewer'));
  return c;
}

const byComm = (s: Subject, re: RegExp) => s.children().filter((p) => re.test(p.comm));
/**
 * The FFmpeg children that publish or read camera `cam` (its path in their arguments): not, for
 * instance, a test-pattern loop still being encoded for a camera added and removed before.
 */
const cameraFfmpeg = (s: Subject, cam: string) =>
  byComm(s, FFMPEG).filter((p) => {
    try {
      return new RegExp(`/${cam}(?![0-9A-Za-z_])`).test(readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
    } catch {
      return false; // gone
    }
  });
const FFMPEG = /^ffmpeg/;
const MEDIAMTX = /mediamtx/i;

export async function adminClient(s: Subject): Promise<CameraServiceClient> {
  const c = await CameraServiceClient.connect(s.url, { timeoutMs: 30000 });
  await c.authenticate(await s.token('admin'));
  return c;
}

function connectedCameras(caps: Caps): string[] {
  return caps.cameras.filter((c) => c.status === 'CONNECTED').map((c) => c.device);
}

/** A fresh service with `n` test-pattern cameras (and `overrides`); skips the scenario if that is impossible. */
export async function withCameras(ctx: Ctx, out: Out, n: number, overrides: Record<string, unknown> = {}): Promise<{ s: Subject; caps: Caps; cams: string[] } | undefined> {
  const s = await ctx.subject({ overrides: { ...(testCameraConfig(n) ?? {}), ...overrides } });
  const caps = await ctx.caps(s);
  const gap = cameraGap(caps, s);
  if (gap) return void out.skip(gap);
  const cams = connectedCameras(caps);
  if (cams.length < Math.min(n, 1)) return void out.skip(`asked for ${n} test-pattern cameras, the server lists ${cams.length} connected`);
  return { s, caps, cams };
}

const APPEAR: ParamsOf<'add_test_camera'> = { name: 'bench_appear', width: 320, height: 240, fps: 15 };

/** Control path, part one: a camera appears (add_test_camera) → MediaMTX path and notification; and disappears. */
async function cameraAppears(ctx: Ctx, out: Out, s: Subject, admin: CameraServiceClient): Promise<void> {
  const viewer = await viewerClient(s);
  const receipts = new StatusReceipts(viewer);
  try {
    // Warm-up, not recorded: the first add assigns (and persists) the camera's id.
    const dev = (await admin.call('add_test_camera', APPEAR)).device;
    await watchPaths(s, [dev], 'present', 10000);
    await admin.call('remove_test_camera', { name: APPEAR.name });
    await watchPaths(s, [dev], 'absent', 10000);
    const [on, off] = [`${dev}:CONNECTED`, `${dev}:DISCONNECTED`];
    for (let r = 0; r < ctx.opts.repeats; r++) {
      receipts.reset([on, off]);
      let watch = watchPaths(s, [dev], 'present', 10000);
      let t = performance.now();
      const added = await admin.call('add_test_camera', APPEAR);
      out.figures.value('control.add_test_camera_reply', 'add_test_camera reply', performance.now() - t, 'ms');
      out.figures.value('control.camera_to_path', 'camera appears (registry event) → MediaMTX path configured (on demand: ready for readers)', (await watch).get(dev)! - added.event_monotonic_ms, 'ms');
      out.figures.value('control.camera_to_notification', 'camera appears (registry event) → camera_status_update received by a client', (await receipts.wait([on], 5000)).get(on)! - added.event_monotonic_ms, 'ms');
      watch = watchPaths(s, [dev], 'absent', 10000);
      t = performance.now();
      const removed = await admin.call('remove_test_camera', { name: APPEAR.name });
      out.figures.value('control.remove_test_camera_reply', 'remove_test_camera reply', performance.now() - t, 'ms');
      out.figures.value('control.camera_gone_to_path_removed', 'camera removed (registry event) → MediaMTX path removed', (await watch).get(dev)! - removed.event_monotonic_ms, 'ms');
      out.figures.value('control.camera_gone_to_notification', 'camera removed (registry event) → camera_status_update received by a client', (await receipts.wait([off], 5000)).get(off)! - removed.event_monotonic_ms, 'ms');
    }
  } finally {
    await viewer.close();
  }
}

export const controlPath: Scenario = {
  name: 'control-path',
  title: 'Control path',
  what:
    'A fresh service with two on-demand test-pattern cameras. Per run: start_streaming → its reply, and → the MediaMTX path available (a publisher is ' +
    'online with tracks: what an RTSP reader needs, minus its first keyframe); SIGKILL of that FFmpeg → path available again (new publisher); ' +
    'stop_streaming → no FFmpeg of that camera left; SIGKILL of MediaMTX → every camera path configured in the new MediaMTX, and → the streamed camera available again. ' +
    'Paths and availability are polled every 10 ms on the MediaMTX API, so figures carry up to ~10 ms of polling granularity. ' +
    'Camera appears: add_test_camera of a third (on-demand) camera → its MediaMTX path configured, which is "path ready" for an on-demand camera ' +
    '(MediaMTX accepts readers and runs the on-demand hook; no publisher runs until one comes), timed from the registry event the reply reports ' +
    '(event_monotonic_ms, the host’s CLOCK_MONOTONIC, which this process reads too) to the reply of the first path listing that shows it, listed every ' +
    '2 ms (an upper bound, late by at most one listing round trip + 2 ms); likewise → camera_status_update received by a client, ' +
    'and remove_test_camera → path removed.',
  async run(ctx, out) {
    const s0 = await ctx.current();
    if (s0.kind !== 'self') return out.skip('needs this service’s MediaMTX API and process table (self only)');
    const setup = await withCameras(ctx, out, 2);
    if (!setup) return;
    const { s, caps, cams } = setup;
    const [a, b = a] = cams as [string, string?];
    const c = await adminClient(s);
    try {
      if (caps.methods.has('add_test_camera') && caps.methods.has('remove_test_camera')) await cameraAppears(ctx, out, s, c);
      else out.notes.push('camera appears → path ready: not measured, the server has no add_test_camera');
      // Warm-up, not recorded: the first start of a test-pattern camera may encode its loop file.
      let t0 = performance.now();
      await c.call('start_streaming', { device: a });
      await until(async () => (await mtxPath(s, a))?.available === true, 120000, `${a} available`);
      out.notes.push(`first start_streaming → available (warm-up, not in the figures): ${Math.round(performance.now() - t0)} ms`);
      await c.call('stop_streaming', { device: a });
      await until(() => cameraFfmpeg(s, a).length === 0, 10000, `no FFmpeg left for ${a}`);
      for (let r = 0; r < ctx.opts.repeats; r++) {
        ctx.log(`control-path: run ${r + 1}/${ctx.opts.repeats}`);
        t0 = performance.now();
        await c.call('start_streaming', { device: a });
        out.figures.value('control.start_streaming_reply', 'start_streaming reply', performance.now() - t0, 'ms');
        await until(async () => (await mtxPath(s, a))?.available === true, 20000, `${a} available`);
        out.figures.value('control.start_to_available', 'start_streaming sent → path available', performance.now() - t0, 'ms');

        const before = (await mtxPath(s, a))?.availableTime;
        const ff = cameraFfmpeg(s, a);
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
        await until(() => cameraFfmpeg(s, a).length === 0, 10000, `no FFmpeg left for ${a}`);
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
        await until(() => cameraFfmpeg(s, b).length === 0, 10000, `no FFmpeg left for ${b}`);
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
    '16 cameras added and removed in cycles: the camera-cycles scenario.',
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

const CYCLE_CAMERAS = 16;

export const cameraCycles: Scenario = {
  name: 'camera-cycles',
  title: 'Cameras added and removed in cycles',
  what:
    `A fresh service without cameras, an admin connection and a viewer connection. Per cycle: ${CYCLE_CAMERAS} add_test_camera requests sent at once ` +
    '(on-demand test-pattern cameras, the default mode), then, once every path is there, the 16 remove_test_camera at once. Per camera, from the registry ' +
    'event its reply reports (event_monotonic_ms, the host’s CLOCK_MONOTONIC, read here too): → its MediaMTX path configured (on demand: ready for ' +
    'readers; paths listed every 2 ms, so late by at most one listing round trip + 2 ms) and → camera_status_update received by the viewer ' +
    '(timed in this process after JSON parsing); the same for removal (path removed, DISCONNECTED received). Each cycle is one run: min, p50 and max ' +
    'over its 16 cameras, and first event → last path. One warm-up cycle (ids assigned) is not recorded. Names repeat, so ids do not grow.',
  async run(ctx, out) {
    const s0 = await ctx.current();
    if (s0.kind !== 'self') return out.skip('needs this service’s MediaMTX API (self only)');
    const s = await ctx.subject();
    const caps = await ctx.caps(s);
    if (!caps.methods.has('add_test_camera') || !caps.methods.has('remove_test_camera')) return out.skip('not available: the server has no add_test_camera / remove_test_camera');
    const admin = await adminClient(s);
    const viewer = await viewerClient(s);
    const receipts = new StatusReceipts(viewer);
    const names = Array.from({ length: CYCLE_CAMERAS }, (_, i) => `cycle${i}`);
    const cycles = ctx.opts.smoke ? 1 : Math.max(ctx.opts.repeats, 5);
    const phase = async (adding: boolean, record: boolean, devs?: string[]) => {
      const status = adding ? 'CONNECTED' : 'DISCONNECTED';
      if (devs) receipts.reset(devs.map((d) => `${d}:${status}`));
      const watch = devs ? watchPaths(s, devs, adding ? 'present' : 'absent', 30000) : undefined;
      const t = performance.now();
      const replies = await Promise.all(
        names.map(async (name) => {
          const r = adding ? await admin.call('add_test_camera', { name, width: 320, height: 240, fps: 15 }) : await admin.call('remove_test_camera', { name });
          return { device: r.device, event: r.event_monotonic_ms, reply: performance.now() - t };
        }),
      );
      const ids = replies.map((r) => r.device);
      const paths = await (watch ?? watchPaths(s, ids, adding ? 'present' : 'absent', 30000));
      const notes = await receipts.wait(ids.map((d) => `${d}:${status}`), 10000).catch(() => undefined);
      if (record && devs) {
        const what = adding ? 'add' : 'remove';
        const label = adding ? 'camera added' : 'camera removed';
        const pathLat = replies.map((r) => paths.get(r.device)! - r.event);
        const per = (id: string, text: string, v: number[]) => {
          out.figures.dist(`camera_cycles.${what}.${id}`, `${CYCLE_CAMERAS} at once: ${text}`, distribution(v));
          out.figures.value(`camera_cycles.${what}.${id}.min`, `${CYCLE_CAMERAS} at once: ${text}, min`, Math.min(...v), 'ms');
        };
        per('path', `${label} (registry event) → MediaMTX path ${adding ? 'configured' : 'removed'}`, pathLat);
        const firstEvent = Math.min(...replies.map((r) => r.event));
        out.figures.value(`camera_cycles.${what}.all_paths`, `${CYCLE_CAMERAS} at once: first registry event → last path ${adding ? 'configured' : 'removed'}`, Math.max(...paths.values()) - firstEvent, 'ms');
        if (notes) per('notification', `${label} (registry event) → camera_status_update ${status} received`, replies.map((r) => notes.get(`${r.device}:${status}`)! - r.event));
        else out.notes.push(`a ${what} cycle: not every camera_status_update ${status} arrived within 10 s`);
        out.figures.dist(`camera_cycles.${what}.reply`, `${CYCLE_CAMERAS} at once: ${what}_test_camera reply (from the burst’s start)`, distribution(replies.map((r) => r.reply)));
      }
      return ids;
    };
    try {
      const devs = await phase(true, false);
      await phase(false, false, devs);
      for (let c = 0; c < cycles; c++) {
        ctx.log(`camera-cycles: cycle ${c + 1}/${cycles}`);
        await phase(true, true, devs);
        await phase(false, true, devs);
      }
    } finally {
      await viewer.close();
      await admin.close();
    }
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
