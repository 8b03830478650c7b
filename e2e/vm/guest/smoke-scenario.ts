// Guest side of the VM smoke test (runs inside the VM, as root, via
// `node dist/e2e/vm/guest/smoke-scenario.js`): loads vivid and v4l2loopback, checks what the
// kernel and udev made of them, grabs a frame, measures hot-add/remove detection latency
// with inotify on /dev, and writes everything to $OUT/report.json. It reports; the host-side
// test (../smoke.test.ts) decides what is a failure.
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, statSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { run } from './exec.js';

export type NodeType = 'video-capture' | 'metadata-capture' | 'video-output' | 'other';

export interface NodeInfo {
  node: string; // video0
  sysfsName: string;
  driver?: string;
  card?: string;
  bus?: string;
  deviceCaps: string[];
  type: NodeType;
  infoExitCode: number;
  /** ms from the modprobe to inotify seeing /dev/<node> (vivid nodes) */
  inotifyAddMs?: number;
}

export interface LoopbackTrial {
  node?: string;
  loadExitCode: number;
  loadMs: number;
  inotifyAddMs?: number;
  udevAddMs?: number;
  /** mode/group of /dev/videoN when inotify saw it, and after udev processed it */
  modeAtInotify?: string;
  gidAtInotify?: number;
  modeAfterUdev?: string;
  gidAfterUdev?: number;
  sysfsName?: string;
  deviceCaps?: string[];
  unloadExitCode?: number;
  unloadMs?: number;
  inotifyRemoveMs?: number;
  udevRemoveMs?: number;
  goneAfterUnload?: boolean;
}

export interface SmokeReport {
  kernel: string;
  guestUptimeAtStart: number;
  /** From `node` being launched (SCENARIO_LAUNCHED_AT_MS, wall clock) to this module running. */
  nodeStartupMs?: number;
  vivid: {
    modprobeExitCode: number;
    modprobeMs: number;
    settleMs: number;
    nodes: NodeInfo[];
    listDevices: string;
    listDevicesExitCode: number;
  };
  frameGrab?: { device: string; exitCode: number; ms: number; bytes: number; isJpeg: boolean; stderr: string };
  byPath: { link: string; target: string }[];
  loopback: { trials: LoopbackTrial[]; moduleLoadedAfterTrials: boolean };
  vividUnload: { exitCode: number; ms: number; nodesLeft: string[] };
  errors: string[];
  totalMs: number;
}

const t0 = performance.now();
const launchedAt = Number(process.env['SCENARIO_LAUNCHED_AT_MS']);
const nodeStartupMs = Number.isFinite(launchedAt) ? Math.round(performance.timeOrigin + t0 - launchedAt) : undefined;
const OUT = process.env['OUT'] ?? '/tmp';
const errors: string[] = [];


const ms = (x: number): number => Math.round(x * 10) / 10;

// ---- inotify on /dev and on udev's database ------------------------------------------

interface FsEvent { at: number; dir: 'dev' | 'udev'; name: string; exists: boolean; mode?: string; gid?: number }

class Watcher {
  readonly events: FsEvent[] = [];
  private readonly watchers: FSWatcher[] = [];
  private waiters: { pred: (e: FsEvent) => boolean; resolve: (e: FsEvent | undefined) => void }[] = [];

  constructor() {
    this.add('/dev', 'dev');
    const udevData = '/run/udev/data';
    mkdirSync(udevData, { recursive: true });
    this.add(udevData, 'udev');
  }

  private add(path: string, dir: FsEvent['dir']): void {
    this.watchers.push(
      watch(path, (_type, filename) => {
        const at = performance.now();
        if (!filename) return;
        const name = filename.toString();
        const full = join(path, name);
        const ev: FsEvent = { at, dir, name, exists: false };
        try {
          const st = statSync(full);
          ev.exists = true;
          ev.mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
          ev.gid = st.gid;
        } catch {
          ev.exists = false;
        }
        this.events.push(ev);
        this.waiters = this.waiters.filter((w) => {
          if (!w.pred(ev)) return true;
          w.resolve(ev);
          return false;
        });
      }),
    );
  }

  /** First event from index `from` on matching pred, waiting up to timeoutMs for it. */
  waitFor(from: number, pred: (e: FsEvent) => boolean, timeoutMs: number): Promise<FsEvent | undefined> {
    const seen = this.events.slice(from).find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        resolve(undefined);
      }, timeoutMs);
      const done = (e: FsEvent | undefined): void => {
        clearTimeout(timer);
        resolve(e);
      };
      this.waiters.push({ pred, resolve: done });
    });
  }

  close(): void {
    for (const w of this.watchers) w.close();
  }
}

// ---- small readers (the service's real parsers live in src/; this only needs a little) ----

function parseInfo(text: string): { driver?: string; card?: string; bus?: string; deviceCaps: string[] } {
  const lines = text.split('\n');
  const field = (label: string): string | undefined => {
    for (const l of lines) {
      const m = l.match(new RegExp(`^\\s*${label}\\s*:\\s?(.*)$`));
      if (m) return m[1]?.trim();
    }
    return undefined;
  };
  const deviceCaps: string[] = [];
  const i = lines.findIndex((l) => /^\s*Device Caps\s*:/.test(l));
  if (i >= 0) {
    for (const l of lines.slice(i + 1)) {
      if (!l.startsWith('\t\t')) break;
      deviceCaps.push(l.trim());
    }
  }
  const out: { driver?: string; card?: string; bus?: string; deviceCaps: string[] } = { deviceCaps };
  const driver = field('Driver name');
  const card = field('Card type');
  const bus = field('Bus info');
  if (driver !== undefined) out.driver = driver;
  if (card !== undefined) out.card = card;
  if (bus !== undefined) out.bus = bus;
  return out;
}

function typeOf(caps: string[]): NodeType {
  if (caps.includes('Video Capture')) return 'video-capture';
  if (caps.includes('Metadata Capture')) return 'metadata-capture';
  if (caps.includes('Video Output')) return 'video-output';
  return 'other';
}

function videoNodes(): string[] {
  try {
    return readdirSync('/sys/class/video4linux')
      .filter((n) => n.startsWith('video'))
      .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
  } catch {
    return [];
  }
}

function readSys(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

async function describe(node: string): Promise<NodeInfo> {
  const r = await run('v4l2-ctl', ['-d', `/dev/${node}`, '--info']);
  const info = parseInfo(r.stdout);
  return { node, sysfsName: readSys(`/sys/class/video4linux/${node}/name`) ?? '', ...info, type: typeOf(info.deviceCaps), infoExitCode: r.code };
}

// ---- scenario ---------------------------------------------------------------------------

async function loopbackTrial(w: Watcher): Promise<LoopbackTrial> {
  const before = new Set(videoNodes());
  let from = w.events.length;
  let start = performance.now();
  const load = await run('modprobe', ['v4l2loopback', 'devices=1', 'exclusive_caps=1', 'card_label=Loop Cam']);
  const trial: LoopbackTrial = { loadExitCode: load.code, loadMs: ms(load.ms) };
  if (load.code !== 0) {
    errors.push(`modprobe v4l2loopback: ${load.stderr.trim()}`);
    return trial;
  }
  const added = await w.waitFor(from, (e) => e.dir === 'dev' && e.exists && /^video\d+$/.test(e.name) && !before.has(e.name), 5000);
  if (!added) {
    errors.push('inotify did not see the v4l2loopback node appear within 5 s');
    return trial;
  }
  const node = added.name;
  trial.node = node;
  trial.inotifyAddMs = ms(added.at - start);
  if (added.mode !== undefined) trial.modeAtInotify = added.mode;
  if (added.gid !== undefined) trial.gidAtInotify = added.gid;
  const devno = readSys(`/sys/class/video4linux/${node}/dev`) ?? '';
  const udevName = `c${devno}`;
  const udevAdded = await w.waitFor(from, (e) => e.dir === 'udev' && e.name === udevName && e.exists, 5000);
  if (udevAdded) {
    trial.udevAddMs = ms(udevAdded.at - start);
    try {
      const st = statSync(`/dev/${node}`);
      trial.modeAfterUdev = (st.mode & 0o7777).toString(8).padStart(4, '0');
      trial.gidAfterUdev = st.gid;
    } catch (err) {
      errors.push(`stat /dev/${node} after udev: ${String(err)}`);
    }
  } else {
    errors.push(`udev database entry ${udevName} did not appear within 5 s`);
  }
  const sysfsName = readSys(`/sys/class/video4linux/${node}/name`);
  if (sysfsName !== undefined) trial.sysfsName = sysfsName;
  trial.deviceCaps = (await describe(node)).deviceCaps;

  from = w.events.length;
  start = performance.now();
  const unload = await run('modprobe', ['-r', 'v4l2loopback']);
  trial.unloadExitCode = unload.code;
  trial.unloadMs = ms(unload.ms);
  if (unload.code !== 0) errors.push(`modprobe -r v4l2loopback: ${unload.stderr.trim()}`);
  const removed = await w.waitFor(from, (e) => e.dir === 'dev' && e.name === node && !e.exists, 5000);
  if (removed) trial.inotifyRemoveMs = ms(removed.at - start);
  const udevRemoved = await w.waitFor(from, (e) => e.dir === 'udev' && e.name === udevName && !e.exists, 5000);
  if (udevRemoved) trial.udevRemoveMs = ms(udevRemoved.at - start);
  trial.goneAfterUnload = !existsSync(`/dev/${node}`) && !videoNodes().includes(node);
  return trial;
}

async function main(): Promise<SmokeReport> {
  const w = new Watcher();
  const uptime = Number.parseFloat(readFileSync('/proc/uptime', 'utf8').split(' ')[0] ?? '0');

  // vivid: two instances, the first with a metadata capture node
  const from = w.events.length;
  const start = performance.now();
  const mp = await run('modprobe', ['vivid', 'n_devs=2', 'node_types=0x20001,0x1']);
  if (mp.code !== 0) errors.push(`modprobe vivid: ${mp.stderr.trim()}`);
  const settle = await run('udevadm', ['settle', '-t', '10']);
  const nodes: NodeInfo[] = [];
  for (const node of videoNodes()) {
    const info = await describe(node);
    const ev = await w.waitFor(from, (e) => e.dir === 'dev' && e.name === node && e.exists, 1000);
    if (ev) info.inotifyAddMs = ms(ev.at - start);
    nodes.push(info);
  }
  const ld = await run('v4l2-ctl', ['--list-devices']);

  // one frame from the first video capture node
  let frameGrab: SmokeReport['frameGrab'];
  const cap = nodes.find((n) => n.type === 'video-capture');
  if (cap) {
    const file = '/tmp/smoke-frame.jpg';
    const r = await run('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-f', 'v4l2', '-i', `/dev/${cap.node}`, '-frames:v', '1', '-y', file], 30_000);
    let bytes = 0;
    let isJpeg = false;
    try {
      const buf = readFileSync(file);
      bytes = buf.length;
      isJpeg = buf[0] === 0xff && buf[1] === 0xd8;
    } catch {
      bytes = 0;
    }
    frameGrab = { device: `/dev/${cap.node}`, exitCode: r.code, ms: ms(r.ms), bytes, isJpeg, stderr: r.stderr.slice(-2000) };
  } else {
    errors.push('no video capture node to grab a frame from');
  }

  const byPath: SmokeReport['byPath'] = [];
  try {
    for (const link of readdirSync('/dev/v4l/by-path').sort()) {
      byPath.push({ link, target: readlinkSync(join('/dev/v4l/by-path', link)) });
    }
  } catch (err) {
    errors.push(`/dev/v4l/by-path: ${String(err)}`);
  }

  // v4l2loopback hot-add / hot-remove, three times for a spread of latencies
  const trials: LoopbackTrial[] = [];
  for (let i = 0; i < 3; i++) {
    const t = await loopbackTrial(w);
    trials.push(t);
    if (t.goneAfterUnload !== true) break;
  }
  const moduleLoadedAfterTrials = (readSys('/proc/modules') ?? '').split('\n').some((l) => l.startsWith('v4l2loopback '));

  const un = await run('modprobe', ['-r', 'vivid']);
  const vividUnload = { exitCode: un.code, ms: ms(un.ms), nodesLeft: videoNodes() };
  w.close();

  return {
    kernel: readSys('/proc/sys/kernel/osrelease') ?? '',
    guestUptimeAtStart: uptime,
    ...(nodeStartupMs !== undefined ? { nodeStartupMs } : {}),
    vivid: {
      modprobeExitCode: mp.code,
      modprobeMs: ms(mp.ms),
      settleMs: ms(settle.ms),
      nodes,
      listDevices: ld.stdout,
      listDevicesExitCode: ld.code,
    },
    ...(frameGrab ? { frameGrab } : {}),
    byPath,
    loopback: { trials, moduleLoadedAfterTrials },
    vividUnload,
    errors,
    totalMs: ms(performance.now() - t0),
  };
}

const report = await main().catch((err: unknown) => {
  errors.push(`scenario crashed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  return { errors } as unknown as SmokeReport;
});
writeFileSync(join(OUT, 'report.json'), JSON.stringify(report, null, 2) + '\n');
console.log(JSON.stringify({ errors: report.errors, totalMs: report.totalMs }));
