/**
 * Hotplug watcher (adapter): reports V4L2 nodes appearing, changing and vanishing, driven by
 * events, never by polling.
 *
 * - udev mode: a `udevadm monitor --udev --subsystem-match=video4linux --property` child.
 *   Its events come after udev's rules ran (permissions fixed, properties such as
 *   ID_V4L_CAPABILITIES and DEVLINKS attached). When the child dies, inotify on /dev takes
 *   over at once and the child is restarted with backoff; once it listens again inotify stops
 *   and a `resync` asks the owner to compare its view with sysfs (events may have been missed
 *   in between).
 * - inotify mode (no udevd, or use_udev: never): `fs.watch` on /dev for `videoN` names; a
 *   name that exists is an add, one that does not is a remove.
 * - The /dev watch runs in udev mode too; its events are marked `early` there (devtmpfs adds
 *   and deletes the node before udev's rules run and udev's event arrives): the owner takes
 *   removals from whichever signal comes first and uses an early add only when it can (a
 *   known camera), leaving new nodes to udev's event.
 *
 * `watchNodeFile` watches one node file: writes to a v4l2loopback output node (a writer
 * started) and attribute changes (udev fixed permissions) show up there, not on /dev.
 */
import { EventEmitter } from 'node:events';
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ManagedChild } from '../process/child-process.js';
import { isVideoNodeName } from './sysfs.js';
import { UdevMonitorParser } from './udev-monitor.js';

export type NodeAction = 'add' | 'remove' | 'change';
/**
 * `idle`: a v4l2loopback writer went silent (no writes for a while), `rescan`: found by a
 * rescan, `probe`: a probe found the node gone before any event said so.
 */
export type EventSource = 'udev' | 'inotify' | 'startup' | 'rescan' | 'idle' | 'probe';

export interface NodeEvent {
  action: NodeAction;
  /** "video0" */
  name: string;
  source: EventSource;
  /** performance.now() when the event was seen. */
  at: number;
  /** udev properties (udev events only). */
  properties?: Record<string, string>;
  /**
   * inotify saw it while udev is in charge (inotify on /dev runs in udev mode too: devtmpfs
   * creates and deletes the node before udev's rules run, so it is the first signal).
   */
  early?: boolean;
}

export interface WatcherEvents {
  node: [event: NodeEvent];
  /** Events may have been missed (the udev monitor restarted): compare with sysfs. */
  resync: [reason: string];
  /** The udev monitor child exited (unexpectedly). */
  monitor_exit: [detail: string];
  /** Which source delivers events now. */
  source: [source: 'udev' | 'inotify'];
}

export interface WatcherOptions {
  useUdev: boolean;
  devRoot?: string;
  udevadm?: string;
  /** How long to wait for a (re)started monitor to listen before giving up on this attempt. */
  monitorReadyTimeoutMs?: number;
  /** First restart delay; doubles up to maxRestartDelayMs. */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
  log?: { info(o: object, msg: string): void; warn(o: object, msg: string): void };
}

/** After this many monitor starts in a row that never listened, inotify stays in charge. */
const MAX_FAILED_STARTS = 5;

export class DeviceWatcher extends EventEmitter<WatcherEvents> {
  readonly #opts: Required<Omit<WatcherOptions, 'log'>> & Pick<WatcherOptions, 'log'>;
  #monitor: ManagedChild | undefined;
  #dirWatch: FSWatcher | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  #restartDelay: number;
  #stopped = false;
  #active: 'udev' | 'inotify' | 'none' = 'none';
  /** Monitor starts in a row that never reached listening (e.g. "Running in chroot, ignoring request."). */
  #failedStarts = 0;

  constructor(opts: WatcherOptions) {
    super();
    this.#opts = {
      devRoot: '/dev',
      udevadm: 'udevadm',
      monitorReadyTimeoutMs: 3000,
      restartDelayMs: 250,
      maxRestartDelayMs: 5000,
      ...opts,
    };
    this.#restartDelay = this.#opts.restartDelayMs;
  }

  /** The source delivering events now. */
  get active(): 'udev' | 'inotify' | 'none' {
    return this.#active;
  }

  /** Pid of the udevadm monitor child while it runs. */
  get monitorPid(): number | undefined {
    return this.#monitor?.running ? this.#monitor.pid : undefined;
  }

  /** Starts watching; resolves once events are being delivered (by udev, or by inotify as a fallback). */
  async start(): Promise<void> {
    this.#stopped = false;
    if (!this.#opts.useUdev) {
      this.#startInotify();
      return;
    }
    this.#watchDev(); // early signals (see the module doc)
    const ok = await this.#startMonitor();
    if (!ok) {
      this.#startInotify();
      this.#scheduleRestart();
    }
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#restartTimer);
    this.#stopInotify();
    const m = this.#monitor;
    this.#monitor = undefined;
    void m?.stop(500);
    this.#active = 'none';
  }

  #setActive(source: 'udev' | 'inotify'): void {
    if (this.#active === source) return;
    this.#active = source;
    this.emit('source', source);
  }

  /** Spawns the monitor; resolves true once it listens, false if it could not. */
  #startMonitor(): Promise<boolean> {
    const parser = new UdevMonitorParser();
    const child = new ManagedChild({ argv: [this.#opts.udevadm, 'monitor', '--udev', '--subsystem-match=video4linux', '--property'], keepLines: 20 });
    this.#monitor = child;
    return new Promise((resolve) => {
      let settled = false;
      const settle = (ok: boolean): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(ok);
      };
      const timer = setTimeout(() => {
        this.#opts.log?.warn({ lines: child.lines.slice(-5) }, 'udevadm monitor did not start listening in time');
        void child.stop(500);
        settle(false);
      }, this.#opts.monitorReadyTimeoutMs);
      child.on('line', (stream, line) => {
        if (stream !== 'stdout' || this.#monitor !== child) return;
        const at = performance.now();
        const wasListening = parser.listening;
        const ev = parser.push(line);
        if (!wasListening && parser.listening) {
          this.#restartDelay = this.#opts.restartDelayMs;
          this.#failedStarts = 0;
          this.#setActive('udev'); // the /dev watch stays, its events now early

          settle(true);
        }
        if (ev) this.#fromUdev(ev, at);
      });
      child.on('error', (err) => this.#opts.log?.warn({ err: err.message }, 'udevadm monitor could not be started'));
      child.once('exit', (exit) => {
        if (!parser.listening) this.#failedStarts++;
        settle(false);
        if (this.#monitor !== child) return;
        this.#monitor = undefined;
        if (this.#stopped) return;
        const detail = `udevadm monitor exited (code ${exit.code}, signal ${exit.signal}): ${child.lines.slice(-3).join(' | ')}`;
        this.emit('monitor_exit', detail);
        this.#opts.log?.warn({ code: exit.code, signal: exit.signal }, 'udevadm monitor exited; watching /dev with inotify until it is back');
        this.#startInotify();
        this.emit('resync', 'udev monitor exited');
        this.#scheduleRestart();
      });
    });
  }

  #fromUdev(ev: { action: string; devname: string | null; properties: Record<string, string> }, at: number): void {
    if (ev.devname === null || !isVideoNodeName(ev.devname)) return;
    const action: NodeAction | null = ev.action === 'add' || ev.action === 'remove' || ev.action === 'change' ? ev.action : null;
    if (!action) return;
    this.emit('node', { action, name: ev.devname, source: 'udev', at, properties: ev.properties });
  }

  #scheduleRestart(): void {
    if (this.#stopped || this.#restartTimer) return;
    if (this.#failedStarts >= MAX_FAILED_STARTS) {
      this.#opts.log?.warn({ attempts: this.#failedStarts }, 'udevadm monitor never started listening; staying on inotify');
      return;
    }
    const delay = this.#restartDelay;
    this.#restartDelay = Math.min(this.#restartDelay * 2, this.#opts.maxRestartDelayMs);
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      if (this.#stopped) return;
      void this.#startMonitor().then((ok) => {
        if (this.#stopped) return;
        if (ok) {
          this.#opts.log?.info({ pid: this.monitorPid }, 'udevadm monitor listening again');
          this.emit('resync', 'udev monitor restarted');
        } else this.#scheduleRestart();
      });
    }, delay);
  }

  #startInotify(): void {
    if (this.#stopped) return;
    if (this.#watchDev()) this.#setActive('inotify');
  }

  /** Watches /dev (once); true when the watch runs. */
  #watchDev(): boolean {
    if (this.#dirWatch) return true;
    if (this.#stopped) return false;
    const dev = this.#opts.devRoot;
    try {
      this.#dirWatch = watch(dev, (_type, filename) => {
        const at = performance.now();
        const name = filename?.toString();
        if (!name || !isVideoNodeName(name)) return;
        const action: NodeAction = existsSync(join(dev, name)) ? 'add' : 'remove';
        this.emit('node', { action, name, source: 'inotify', at, ...(this.#active === 'udev' ? { early: true } : {}) });
      });
      this.#dirWatch.on('error', (err) => {
        this.#opts.log?.warn({ err: err.message }, `inotify on ${dev} failed`);
        this.#stopInotify();
      });
      return true;
    } catch (err) {
      this.#opts.log?.warn({ err: (err as Error).message }, `cannot watch ${dev}`);
      return false;
    }
  }

  #stopInotify(): void {
    this.#dirWatch?.close();
    this.#dirWatch = undefined;
  }
}

/**
 * Watches one device node file for modifications and attribute changes; returns a function
 * that stops watching. Errors (the node vanished) end the watch silently.
 */
export function watchNodeFile(path: string, onChange: () => void): () => void {
  let w: FSWatcher | undefined;
  try {
    w = watch(path, () => onChange());
    w.on('error', () => close());
  } catch {
    return () => undefined;
  }
  const close = (): void => {
    w?.close();
    w = undefined;
  };
  return close;
}
