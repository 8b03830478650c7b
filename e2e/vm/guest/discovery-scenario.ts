// Guest side of the VM discovery test (runs inside the VM, as root, via
// `node dist/e2e/vm/guest/discovery-scenario.js`): runs the real service (with its managed
// MediaMTX and udevd) against real kernel devices (vivid, v4l2loopback) and drives hotplug
// scenarios with a client that stays connected, recording what the client saw and what the
// service measured into $OUT/report.json. The host-side test (../discovery.test.ts) judges.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { stringify } from 'yaml';
import { mintToken } from '../../../src/api/auth/jwt.js';
import { CameraServiceClient } from '../../../src/client/index.js';
import { freePorts } from '../../../test/helpers/ports.js';
import { MAIN, processesMatching, SECRET, startService, type LogLine, type RunningService } from '../../../test/helpers/service.js';
import { run, unloadModule, type RunResult } from './exec.js';

export interface Seen {
  device: string;
  status: string;
  name?: string;
  /** ms from the triggering command's start to the client receiving the notification */
  clientMs: number;
  /** Wall clock (Date.now()) at receipt: compared with the service's log line time. */
  wall?: number;
}

export interface Latency {
  step: string;
  camera: string;
  status: string;
  /** event source the service attributed the change to (udev, inotify) */
  source?: string;
  /** the service's own measurement: event seen → notification written */
  serviceMs?: number;
  /** client side: trigger command started → notification received */
  clientMs?: number;
  /** from the service's log line (written right after the notification) to the client's receipt, wall clock, ms */
  deliveryMs?: number;
}

/**
 * One hotplug step's floor beside the service: `floorMs` from the trigger to the kernel's own
 * signal (an independent inotify watch on /dev seeing every node of the step appear or vanish;
 * for a loopback writer its first frame on the node file, or its exit), `serviceMs` from the
 * trigger to the last camera's notification at the client.
 */
export interface Floor {
  step: string;
  floorMs: number;
  serviceMs: number;
  /** The probe that decided it (a first-ever plug), or the background re-probe of a known camera. */
  probeMs?: number;
}

export interface NodeTruth {
  node: string;
  bus: string;
  capture: boolean;
  /** from the raw v4l2-ctl output, with plain regular expressions (independent of the service's parsers) */
  fourccs: string[];
  sizes: string[];
  fps: number[];
}

export interface Step {
  ok: boolean;
  error?: string;
  ms?: number;
  seen?: Seen[];
  data?: Record<string, unknown>;
}

export interface DiscoveryReport {
  truth: NodeTruth[];
  steps: Record<string, Step>;
  latencies: Latency[];
  metrics: string[];
  errors: string[];
  /** Processes that held a video node open when a module was unloaded. */
  holders: string[];
  floors: Floor[];
  totalMs: number;
}

const t0 = performance.now();
const OUT = process.env['OUT'] ?? '/tmp';
const MEDIAMTX = process.env['MEDIAMTX_BIN'] ?? '';
const STATE = '/tmp/discovery-vm';
const errors: string[] = [];
const steps: Record<string, Step> = {};
const latencies: Latency[] = [];
const floors: Floor[] = [];
const WAIT = 30_000;

/** The kernel's signals, seen independently of the service: inotify on /dev (node files appear and vanish). */
class DevWatch {
  readonly events: { at: number; name: string; present: boolean }[] = [];
  /** Callers of `floor` waiting for the next event. */
  #waiting: (() => void)[] = [];
  readonly #w = watch('/dev', (_type, file) => {
    const at = performance.now();
    const name = file?.toString();
    if (!name || !/^video\d+$/.test(name)) return;
    this.events.push({ at, name, present: existsSync(`/dev/${name}`) });
    for (const wake of this.#waiting.splice(0)) wake();
  });

  /** Resolves at the next event on /dev, or after `ms`. */
  #next(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, ms));
      this.#waiting.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** ms from `since` until every node in `names` was seen appearing (`present`) or vanishing; waits for it. */
  async floor(since: number, names: string[], present: boolean, timeoutMs = WAIT): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const hits = names.map((n) => this.events.find((e) => e.at >= since && e.name === n && e.present === present));
      if (hits.every((h) => h)) return round(Math.max(...hits.map((h) => h!.at)) - since);
      if (performance.now() > deadline) throw new Error(`inotify on /dev did not see ${names.join(', ')} ${present ? 'appear' : 'vanish'}`);
      await this.#next(deadline - performance.now());
    }
  }

  close(): void {
    this.#w.close();
  }
}
const devWatch = new DevWatch();

function floorOf(step: string, floorMs: number, seen: Seen[], probeMs?: number): void {
  floors.push({ step, floorMs, serviceMs: Math.max(...seen.map((x) => x.clientMs)), ...(probeMs !== undefined ? { probeMs } : {}) });
}

/** ms of the probe that found `node` a capture node, logged after index `from`. */
function captureProbeMs(svc: RunningService, from: number, node: string): number | undefined {
  const l = svc.logs.slice(from).find((x) => x.msg === 'node probed' && x['node'] === node && x['capture'] === true);
  return typeof l?.['ms'] === 'number' ? l['ms'] : undefined;
}

/** Nodes of the vivid module now. */
const vividNodes = (): string[] => videoNodes().filter((n) => /^vivid/.test(readFileSync(`/sys/class/video4linux/${n}/name`, 'utf8')));


/** Who held a video node open when a module was unloaded (the service's probes may, for a moment). */
const holders: string[] = [];
async function unloaded(module: string): Promise<void> {
  for (const h of await unloadModule(module)) holders.push(`${module}: ${h}`);
}

async function must(cmd: string, args: string[]): Promise<RunResult> {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r;
}

const round = (x: number): number => Math.round(x * 10) / 10;
const videoNodes = (): string[] =>
  readdirSync('/sys/class/video4linux').filter((n) => /^video\d+$/.test(n)).sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));

async function truthOf(node: string): Promise<NodeTruth> {
  const r = await run('v4l2-ctl', ['-d', `/dev/${node}`, '--info', '--list-formats-ext']);
  const text = r.stdout;
  const caps = /Device Caps\s*:\s*0x([0-9a-f]+)/i.exec(text);
  const deviceCaps = caps ? Number.parseInt(caps[1]!, 16) : 0;
  return {
    node,
    bus: /Bus info\s*:\s*(\S+)/.exec(text)?.[1] ?? '',
    capture: (deviceCaps & 0x1) !== 0,
    fourccs: [...text.matchAll(/\[\d+\]: '([^']+)'/g)].map((m) => m[1]!.trim()),
    sizes: [...new Set([...text.matchAll(/Size: Discrete (\d+x\d+)/g)].map((m) => m[1]!))],
    fps: [...new Set([...text.matchAll(/\(([\d.]+) fps\)/g)].map((m) => Math.ceil(Number(m[1]) - 0.5)))],
  };
}

/** Collects every camera_status_update the client receives, with its arrival time. */
class Recorder {
  readonly all: { at: number; wall: number; device: string; status: string; name: string }[] = [];
  constructor(client: CameraServiceClient) {
    client.onNotification('camera_status_update', (p: { device: string; status: string; name: string }) => this.all.push({ at: performance.now(), wall: Date.now(), device: p.device, status: p.status, name: p.name }));
  }

  /** Waits until every (device, status) pair has been seen after `since`; returns them with client latencies. */
  async expect(since: number, want: [string, string][], timeoutMs = WAIT): Promise<Seen[]> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const found = want.map(([d, s]) => this.all.find((n) => n.at >= since && n.device === d && n.status === s));
      if (found.every((f) => f)) return found.map((f) => ({ device: f!.device, status: f!.status, name: f!.name, clientMs: round(f!.at - since), wall: f!.wall }));
      if (performance.now() > deadline) {
        const seen = this.all.filter((n) => n.at >= since).map((n) => `${n.device} ${n.status}`);
        throw new Error(`expected ${want.map((w) => w.join(' ')).join(', ')}; the client saw: ${seen.join(', ') || 'nothing'}`);
      }
      await new Promise((r) => setTimeout(r, 20)); // the client's own notification queue; cheap
    }
  }
}

/**
 * The service's latency log lines ('camera connected' / 'camera disconnected') after index
 * `from`. The notification can reach the client before the service's log line reaches us.
 */
async function serviceLatencies(svc: RunningService, from: number, step: string, seen: Seen[]): Promise<void> {
  for (const s of seen) {
    const line = await svc
      .waitForLog((l: LogLine) => l.msg === `camera ${s.status.toLowerCase()}` && l['camera'] === s.device && svc.logs.indexOf(l) >= from, 5000)
      .catch(() => undefined);
    latencies.push({
      step,
      camera: s.device,
      status: s.status,
      clientMs: s.clientMs,
      ...(typeof line?.['latency_ms'] === 'number' ? { serviceMs: line['latency_ms'] as number } : {}),
      ...(typeof line?.['source'] === 'string' ? { source: line['source'] as string } : {}),
      ...(typeof line?.['time'] === 'number' && s.wall ? { deliveryMs: s.wall - (line['time'] as number) } : {}),
    });
  }
}

async function step(name: string, fn: () => Promise<Omit<Step, 'ok' | 'ms'> | void>): Promise<void> {
  const start = performance.now();
  try {
    const r = (await fn()) ?? {};
    steps[name] = { ok: true, ms: round(performance.now() - start), ...r };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    steps[name] = { ok: false, ms: round(performance.now() - start), error: msg };
    errors.push(`${name}: ${msg}`);
  }
}

/** Writers being stopped on purpose (FFmpeg exits with 255 on SIGTERM). */
const stopping = new WeakSet<ChildProcess>();

/** A writer and the kernel-side times of its first frame and its exit (performance.now()). */
interface Writer {
  proc: ChildProcess;
  firstFrame: Promise<number>;
}

function startWriter(node: string): Writer {
  // The first write on the node file is the writer's first frame (inotify IN_MODIFY).
  let onFrame!: (at: number) => void;
  const firstFrame = new Promise<number>((r) => (onFrame = r));
  // fs.watch reports attribute changes (udev's chmod) the same way: a write leaves ctime alone.
  const ctime = statSync(`/dev/${node}`).ctimeMs;
  const fileWatch = watch(`/dev/${node}`, () => {
    const at = performance.now();
    if (statSync(`/dev/${node}`, { throwIfNoEntry: false })?.ctimeMs !== ctime) return;
    onFrame(at);
    fileWatch.close();
  });
  // A plain colour at 10 fps: cheap under TCG (testsrc at 30 fps takes most of a core).
  const w = spawn('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'color=c=blue:size=320x240:rate=10', '-pix_fmt', 'yuyv422', '-f', 'v4l2', `/dev/${node}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  w.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  w.once('exit', (code, signal) => {
    fileWatch.close();
    if (!stopping.has(w)) errors.push(`ffmpeg writer to /dev/${node} exited (${code ?? signal}): ${stderr.trim()}`);
  });
  return { proc: w, firstFrame };
}

/** Stops the writer; resolves with performance.now() of its exit (the kernel closed its file). */
async function stopWriter(writer: Writer | undefined): Promise<number> {
  const w = writer?.proc;
  if (!w || w.exitCode !== null || w.signalCode !== null) return performance.now();
  const gone = new Promise<number>((r) => w.once('exit', () => r(performance.now())));
  stopping.add(w);
  w.kill('SIGTERM');
  return gone;
}

function loopNode(): string {
  const n = videoNodes().find((v) => readFileSync(`/sys/class/video4linux/${v}/name`, 'utf8').trim() === 'Loop Cam');
  if (!n) throw new Error('no Loop Cam node in sysfs');
  return n;
}

function saveLogs(svc: RunningService, file: string): void {
  writeFileSync(join(OUT, file), svc.logs.map((l) => JSON.stringify(l)).join('\n') + '\n');
}

/** The first log line after index `from` that satisfies `match`. */
function logAfter(svc: RunningService, from: number, match: (l: LogLine) => boolean): Promise<LogLine> {
  return svc.waitForLog((l) => match(l) && svc.logs.indexOf(l) >= from, WAIT);
}

async function metricsText(svc: RunningService): Promise<string[]> {
  const res = await fetch(`${svc.httpUrl}/metrics`);
  return (await res.text()).split('\n').filter((l) => l.startsWith('camera_service_discovery_'));
}

/**
 * Runs the service as nobody (group video) with use_udev: never while udev's rule execution is
 * held: the new nodes stay root:root 0600, the service cannot open them and waits; once udev
 * runs (0660 root:video) the attribute change on the node file lets it probe, with no rescan.
 */
async function unprivileged(): Promise<Omit<Step, 'ok' | 'ms'>> {
  const nobody = 65534;
  const video = Number(/^video:[^:]*:(\d+):/m.exec(readFileSync('/etc/group', 'utf8'))?.[1] ?? 44);
  const bin = '/tmp/mediamtx-bin/mediamtx'; // the host's cache is under /root (0700)
  mkdirSync('/tmp/mediamtx-bin', { recursive: true });
  copyFileSync(MEDIAMTX, bin);
  chmodSync(bin, 0o755);
  await must('chown', ['-R', `${nobody}:${nobody}`, STATE]);
  const [port, api, rtsp] = (await freePorts(3)) as [number, number, number];
  const config = {
    server: { host: '127.0.0.1', port },
    security: { jwt_secret: SECRET },
    mediamtx: { managed: true, binary: bin, api_url: `http://127.0.0.1:${api}`, listen_host: '127.0.0.1', rtsp_port: rtsp, rtp_port: 0, hls_port: 0, webrtc_port: 0 },
    storage: { recordings_path: join(STATE, 'recordings'), snapshots_path: join(STATE, 'snapshots'), state_path: join(STATE, 'state') },
    // rescans off: only the node file's attribute change may bring the cameras in
    discovery: { use_udev: 'never', rescan_interval_s: 0, probe_timeout_ms: 20_000 },
    logging: { level: 'debug' },
  };
  const file = join(STATE, 'config-nobody.yaml');
  writeFileSync(file, stringify(config));
  chmodSync(file, 0o644);
  const proc = spawn('setpriv', [`--reuid=${nobody}`, `--regid=${nobody}`, `--groups=${video}`, process.execPath, MAIN, '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: LogLine[] = [];
  const waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  createInterface({ input: proc.stdout! }).on('line', (text) => {
    let l: LogLine;
    try {
      l = JSON.parse(text) as LogLine;
    } catch {
      l = { level: 30, msg: text };
    }
    logs.push(l);
    for (const w of [...waiters]) if (w.match(l)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(l));
  });
  let stderr = '';
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const log = (match: (l: LogLine) => boolean, timeoutMs = WAIT): Promise<LogLine> => {
    const found = logs.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`log line not seen; stderr: ${stderr.slice(-500)}; last: ${logs.slice(-3).map((x) => x.msg).join(' | ')}`)), timeoutMs);
      waiters.push({ match, resolve: (l) => (clearTimeout(timer), resolve(l)) });
    });
  };
  let client: CameraServiceClient | undefined;
  let held = false;
  try {
    await log((l) => l.msg === 'service ready', 90_000);
    client = await CameraServiceClient.connect(`ws://127.0.0.1:${port}/ws`);
    await client.authenticate(await mintToken(SECRET, { role: 'viewer', user_id: 'vm' }, 3600));
    const r = new Recorder(client);
    const uid = readFileSync(`/proc/${proc.pid}/status`, 'utf8').match(/^Uid:\s+(\d+)/m)?.[1]; // setpriv execs node

    // The premise: no video node exists yet, so every node listed below is one this modprobe made
    // while udev's rule execution is held (a module an earlier step failed to unload would show up
    // here with udev's permissions).
    const before = videoNodes();
    if (before.length > 0) throw new Error(`video nodes left over from earlier steps: ${before.join(', ')}`);
    await must('udevadm', ['control', '--stop-exec-queue']);
    held = true;
    const since = performance.now();
    await must('modprobe', ['vivid', 'n_devs=2', 'node_types=0x20001,0x1']);
    const modes = videoNodes().map((n) => `${n} ${spawnStat(`/dev/${n}`)}`);
    // Both capture nodes wait; the timed retries give up (~3 s) before udev is let go.
    await log((l) => l.msg === 'no permission to open the device node (is the service user in the video group?)');
    const listWhileHeld = (await client.call('get_camera_list')).cameras.map((c) => `${c.device} ${c.status}`);
    await must('udevadm', ['control', '--start-exec-queue']);
    held = false;
    const released = performance.now();
    const seen = await r.expect(since, [['camera0', 'CONNECTED'], ['camera1', 'CONNECTED']]);
    const waits = logs.filter((l) => l.msg === 'no permission to open the node yet; waiting for udev').map((l) => `${l['node']}#${l['attempt']}`);
    const rescans = logs.filter((l) => l.msg?.startsWith('rescan repaired missed events')).length;
    return {
      seen,
      data: { uid, modes, listWhileHeld, waits, rescans, afterReleaseMs: seen.map((x) => round(x.clientMs - (released - since))) },
    };
  } finally {
    if (held) await run('udevadm', ['control', '--start-exec-queue']);
    await client?.close().catch(() => undefined);
    const exited = new Promise((res) => proc.once('exit', res));
    proc.kill('SIGTERM');
    await exited;
    writeFileSync(join(OUT, 'service-nobody.log'), logs.map((l) => JSON.stringify(l)).join('\n') + '\n');
  }
}

/** Owner and mode of a file, e.g. "0:0 600". */
function spawnStat(path: string): string {
  try {
    const st = statSync(path);
    return `${st.uid}:${st.gid} ${(st.mode & 0o777).toString(8)}`;
  } catch {
    return 'missing';
  }
}

async function main(): Promise<NodeTruth[]> {
  const VIVID = ['vivid', 'n_devs=2', 'node_types=0x20001,0x1'];
  const LOOP = ['v4l2loopback', 'devices=1', 'exclusive_caps=1', 'card_label=Loop Cam'];
  const config = {
    mediamtx: { binary: MEDIAMTX },
    // TCG under load: a vivid probe (~4,000 lines of formats) can take seconds.
    discovery: { rescan_interval_s: 5, probe_timeout_ms: 20_000 },
    logging: { level: 'debug' },
  };
  let svc: RunningService | undefined;
  let viewer: CameraServiceClient | undefined;
  let rec: Recorder | undefined;
  let writer: Writer | undefined;
  const truth: NodeTruth[] = [];

  try {
    // ---- cold start: vivid loaded before the service ----
    mkdirSync(STATE, { recursive: true });
    await must('modprobe', VIVID);
    await must('udevadm', ['settle', '-t', '10']);
    for (const n of videoNodes()) truth.push(await truthOf(n));

    await step('cold_start', async () => {
      const started = performance.now();
      svc = await startService(config, { dir: STATE, keep: true, readyTimeoutMs: 90_000 });
      const readyMs = round(performance.now() - started);
      viewer = await svc.client('viewer');
      rec = new Recorder(viewer);
      await viewer.call('subscribe_events', { topics: ['camera.connected', 'camera.disconnected', 'camera.capability_detected'] });
      const admin = await svc.client('admin');
      const list = await viewer.call('get_camera_list');
      const caps: Record<string, unknown> = {};
      const status: Record<string, unknown> = {};
      for (const c of list.cameras) {
        caps[c.device] = await viewer.call('get_camera_capabilities', { device: c.device });
        status[c.device] = await viewer.call('get_camera_status', { device: c.device });
      }
      const adminStatus = await admin.call('get_camera_status', { device: 'camera0' });
      const system = await viewer.call('get_system_status');
      await admin.close();
      const enumerated = svc.logs.find((l) => l.msg === 'first enumeration complete');
      return { data: { readyMs, list, caps, status, adminStatus, system, enumerationMs: enumerated?.['ms'], eventSource: svc.logs.find((l) => l.msg?.startsWith('hotplug events from'))?.['source'] } };
    });
    if (!svc || !rec || !viewer) throw new Error('the service did not start');
    const s = svc;
    const r = rec;
    const v = viewer;
    const topics: { method: string; device?: string }[] = [];
    v.on('notification', (method, params) => {
      if (method.startsWith('camera.')) topics.push({ method, device: (params as { device?: string }).device });
    });

    // ---- v4l2loopback: output-only until a writer starts; a camera while fed ----
    await step('loopback_add', async () => {
      const from = s.logs.length;
      await must('modprobe', LOOP);
      const node = loopNode();
      const probed = await s.waitForLog((l) => l.msg === 'node probed' && l['node'] === node, WAIT);
      const idleList = await v.call('get_camera_list');
      const since = performance.now();
      writer = startWriter(node);
      const seen = await r.expect(since, [['camera2', 'CONNECTED']]);
      floorOf('loopback writer start', round((await writer.firstFrame) - since), seen, captureProbeMs(s, from, node));
      await serviceLatencies(s, from, 'loopback_writer_start', seen);
      const caps = await v.call('get_camera_capabilities', { device: 'camera2' });
      return { seen, data: { node, idleCapture: probed['capture'], idleCameras: idleList.cameras.map((c) => c.device), caps } };
    });

    await step('loopback_writer_stop', async () => {
      const from = s.logs.length;
      const since = performance.now();
      const exited = await stopWriter(writer);
      const seen = await r.expect(since, [['camera2', 'DISCONNECTED']]);
      floorOf('loopback writer stop', round(exited - since), seen);
      await serviceLatencies(s, from, 'loopback_writer_stop', seen);
      await unloaded('v4l2loopback');
      return { seen };
    });

    // ---- vivid removed (rmmod) and loaded again; the loopback comes back on a renumbered node ----
    await step('vivid_remove', async () => {
      const from = s.logs.length;
      const nodes = vividNodes();
      const since = performance.now();
      await unloaded('vivid');
      const seen = await r.expect(since, [['camera0', 'DISCONNECTED'], ['camera1', 'DISCONNECTED']]);
      floorOf('vivid rmmod', await devWatch.floor(since, nodes, false), seen);
      await serviceLatencies(s, from, 'vivid_rmmod', seen);
      return { seen };
    });

    await step('loopback_readd_renumbered', async () => {
      const from = s.logs.length;
      await must('modprobe', LOOP);
      await must('udevadm', ['settle', '-t', '10']); // udev's chmod is no frame
      const node = loopNode();
      const since = performance.now();
      writer = startWriter(node);
      const seen = await r.expect(since, [['camera2', 'CONNECTED']]);
      floorOf('loopback writer start', round((await writer.firstFrame) - since), seen, captureProbeMs(s, from, node));
      await serviceLatencies(s, from, 'loopback_writer_start', seen);
      return { seen, data: { node } };
    });

    await step('vivid_readd', async () => {
      const from = s.logs.length;
      const since = performance.now();
      await must('modprobe', VIVID);
      const seen = await r.expect(since, [['camera0', 'CONNECTED'], ['camera1', 'CONNECTED']]);
      floorOf('vivid modprobe (known)', await devWatch.floor(since, vividNodes(), true), seen);
      await serviceLatencies(s, from, 'vivid_modprobe', seen);
      const admin = await s.client('admin');
      const st = await admin.call('get_camera_status', { device: 'camera0' });
      await admin.close();
      return { seen, data: { nodes: videoNodes(), camera0Device: st.debug?.['device'] } };
    });

    // ---- known camera unplugged and re-plugged (unbind/bind) with udev in charge, three times:
    // removals from the first signal; the re-plugged cameras announced from their cached probe
    // before the background re-probe ends, with the capabilities the kernel reports ----
    await step('replug', async () => {
      const cycles: Record<string, unknown>[] = [];
      const seenAll: Seen[] = [];
      for (let i = 0; i < 3; i++) {
        const nodes = vividNodes();
        const from = s.logs.length;
        const since = performance.now();
        await must('sh', ['-c', 'echo vivid.0 > /sys/bus/platform/drivers/vivid/unbind']);
        const gone = await r.expect(since, [['camera0', 'DISCONNECTED'], ['camera1', 'DISCONNECTED']]);
        floorOf('vivid unbind', await devWatch.floor(since, nodes, false), gone);
        await serviceLatencies(s, from, 'vivid_unbind', gone);
        const from2 = s.logs.length;
        const since2 = performance.now();
        await must('sh', ['-c', 'echo vivid.0 > /sys/bus/platform/drivers/vivid/bind']);
        const back = await r.expect(since2, [['camera0', 'CONNECTED'], ['camera1', 'CONNECTED']]);
        const connectedWall = Math.max(...r.all.filter((n) => n.at >= since2 && n.status === 'CONNECTED').map((n) => n.wall));
        const after = vividNodes();
        const floorMs = await devWatch.floor(since2, after, true);
        await serviceLatencies(s, from2, 'vivid_bind', back);
        // The background re-probes of the three nodes, then what a viewer is told.
        const verified: LogLine[] = [];
        for (const n of after) verified.push(await s.waitForLog((l) => /^cached capabilities (not )?confirmed$/.test(l.msg ?? '') && l['node'] === n && s.logs.indexOf(l) >= from2, WAIT));
        floorOf('vivid bind (known)', floorMs, back, Math.max(...verified.map((l) => Number(l['ms']))));
        const caps: Record<string, unknown> = {};
        for (const c of ['camera0', 'camera1']) caps[c] = await v.call('get_camera_capabilities', { device: c });
        cycles.push({
          nodes: after,
          connectedBeforeVerified: verified.every((l) => Number(l['time']) > connectedWall),
          confirmed: verified.map((l) => l['confirmed']),
          probeMs: verified.map((l) => l['ms']),
          caps,
        });
        seenAll.push(...gone, ...back);
      }
      return { seen: seenAll, data: { cycles } };
    });

    // ---- kill the udevadm monitor child: detection goes on (inotify), the monitor comes back ----
    await step('udev_monitor_killed', async () => {
      const pids = processesMatching('udevadm', 'monitor', '--subsystem-match=video4linux');
      if (pids.length !== 1) throw new Error(`expected one udevadm monitor child, found ${JSON.stringify(pids)}`);
      const from = s.logs.length;
      process.kill(pids[0]!, 'SIGKILL');
      await logAfter(s, from, (l) => l.msg === 'hotplug events from inotify');
      const nodes = vividNodes();
      const since = performance.now();
      await must('sh', ['-c', 'echo vivid.0 > /sys/bus/platform/drivers/vivid/unbind']);
      const gone = await r.expect(since, [['camera0', 'DISCONNECTED'], ['camera1', 'DISCONNECTED']]);
      floorOf('vivid unbind (inotify only)', await devWatch.floor(since, nodes, false), gone);
      await serviceLatencies(s, from, 'vivid_unbind', gone);
      await logAfter(s, from, (l) => l.msg === 'udevadm monitor listening again');
      const from2 = s.logs.length;
      const since2 = performance.now();
      await must('sh', ['-c', 'echo vivid.0 > /sys/bus/platform/drivers/vivid/bind']);
      const back = await r.expect(since2, [['camera0', 'CONNECTED'], ['camera1', 'CONNECTED']]);
      floorOf('vivid bind (known)', await devWatch.floor(since2, vividNodes(), true), back);
      await serviceLatencies(s, from2, 'vivid_bind', back);
      const after = processesMatching('udevadm', 'monitor', '--subsystem-match=video4linux');
      const metrics = await metricsText(s);
      return { seen: [...gone, ...back], data: { metrics, killedPid: pids[0], newPids: after, sources: s.logs.slice(from).filter((l) => l.msg?.startsWith('hotplug events from')).map((l) => l['source']) } };
    });

    // ---- restart: same ids (the loopback is absent at restart: its id stays reserved) ----
    await step('restart', async () => {
      const since = performance.now();
      const exited = await stopWriter(writer);
      const seen = await r.expect(since, [['camera2', 'DISCONNECTED']]);
      floorOf('loopback writer stop', round(exited - since), seen);
      // v4l2loopback 0.12.7 (exclusive_caps=1) accepts no second writer once the first closed: reload it.
      await unloaded('v4l2loopback');
      await v.close();
      saveLogs(s, 'service-1.log');
      await s.stop();
      const svc2 = await startService(config, { dir: STATE, keep: true, readyTimeoutMs: 90_000 });
      svc = svc2;
      const c = await svc2.client('viewer');
      const list = await c.call('get_camera_list');
      viewer = c;
      rec = new Recorder(c);
      return { seen, data: { list } };
    });
    await step('loopback_back_after_restart', async () => {
      const s2 = svc!;
      const from = s2.logs.length;
      await must('modprobe', LOOP);
      await must('udevadm', ['settle', '-t', '10']); // udev's chmod is no frame
      const since = performance.now();
      const node = loopNode();
      writer = startWriter(node);
      const seen = await rec!.expect(since, [['camera2', 'CONNECTED']]);
      floorOf('loopback writer start', round((await writer.firstFrame) - since), seen, captureProbeMs(s2, from, node));
      await serviceLatencies(s2, from, 'loopback_writer_start', seen);
      const from2 = s2.logs.length;
      const since2 = performance.now();
      const exited = await stopWriter(writer);
      const gone = await rec!.expect(since2, [['camera2', 'DISCONNECTED']]);
      floorOf('loopback writer stop', round(exited - since2), gone);
      await serviceLatencies(s2, from2, 'loopback_writer_stop', gone);
      await unloaded('v4l2loopback');
      return { seen: [...seen, ...gone] };
    });

    await step('metrics', async () => ({ data: { lines: await metricsText(svc!) } }));

    // ---- as an unprivileged user with inotify only: nodes are root-only until udev runs ----
    await viewer?.close();
    viewer = undefined;
    saveLogs(svc!, 'service-2.log');
    await svc!.stop();
    svc = undefined;
    await unloaded('vivid');
    await step('unprivileged_inotify', unprivileged);
    steps['topics'] = { ok: true, data: { topics } };
  } finally {
    await stopWriter(writer);
    if (svc) saveLogs(svc, 'service-2.log');
    await viewer?.close().catch(() => undefined);
    await svc?.stop().catch(() => undefined);
    await unloadModule('v4l2loopback').catch((err: Error) => errors.push(`cleanup: ${err.message}`));
    await unloadModule('vivid').catch((err: Error) => errors.push(`cleanup: ${err.message}`));
  }
  return truth;
}

let truth: NodeTruth[] = [];
try {
  truth = await main();
} catch (err) {
  errors.push(`scenario crashed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
}
const metricsStep = steps['metrics']?.data?.['lines'] as string[] | undefined;
devWatch.close();
const report: DiscoveryReport = { truth, steps, latencies, metrics: metricsStep ?? [], errors, holders, floors, totalMs: round(performance.now() - t0) };
writeFileSync(join(OUT, 'report.json'), JSON.stringify(report, null, 2) + '\n');
console.log(JSON.stringify({ errors, totalMs: report.totalMs, latencies }));
process.exit(0);
