/**
 * The discovery service: turns hotplug events into cameras in the CameraRegistry.
 *
 *   watcher (udev / inotify) ──► node records ──► probe queue (v4l2-ctl, 2 at a time)
 *        ▲  rescan (repairs)                           │
 *        │                                             ▼
 *   sysfs listing                     reconcile: assemble cameras (pure), ids from the
 *                                     shared id store, upsert CONNECTED / ERROR /
 *                                     DISCONNECTED, metrics, capability events
 *
 * Reconciling waits until no probe is queued or running, so the nodes of one device are
 * judged together and new devices get ids in node order; a removal is applied at once.
 * v4l2loopback output nodes become capture nodes when a writer starts, without any uevent:
 * their node file is watched (the writer's write() calls show up there) and re-probed.
 */
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Registry } from '../lib/deps/prom-client.js';
import type { CameraIdStore } from '../cameras/id-store.js';
import type { Camera, CameraRegistry } from '../cameras/registry.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import { assembleCameras, capabilitiesFor, isV4l2IdentityKey, modeFor, verdictOf, type AssembledCamera, type ProbedNode } from './assemble.js';
import { DiscoveryMetrics } from './metrics.js';
import type { ModeChoice, ModePolicy } from './mode-policy.js';
import { listVideoNodes, readSysfsNode, SYS_CLASS_V4L, type SysfsNode } from './sysfs.js';
import type { PixelFormat } from './v4l2-formats.js';
import type { V4l2Info } from './v4l2-info.js';
import { probeNode, type ProbeResult } from './v4l2-probe.js';
import { DeviceWatcher, watchNodeFile, type EventSource, type NodeEvent } from './watcher.js';

export type DiscoveryConfig = Config['discovery'];

export interface DiscoveryDeps {
  config: DiscoveryConfig;
  registry: CameraRegistry;
  ids: CameraIdStore;
  metrics: Registry;
  log: Logger;
  /**
   * A capture mode an operator chose for the camera with this identity (set_camera_mode),
   * checked against the primary node's formats; undefined: the policy chooses.
   */
  modeOverride?(identity: string, formats: readonly PixelFormat[]): ModeChoice | undefined;
  /** Overrides for tests and unusual systems. */
  paths?: { sysClass?: string; dev?: string; udevControl?: string; v4l2ctl?: string; udevadm?: string };
}

export interface DiscoveryEvents {
  /** A camera's capabilities were determined (on connect) or changed. */
  capability_detected: [camera: Camera];
  /** A camera could not be probed or offers nothing usable; it is in ERROR. */
  capability_error: [camera: Camera, reason: string];
  /** The first enumeration is complete. */
  enumerated: [];
  /** A node was probed: ok, permission, gone, timeout, failed, parse. */
  probed: [node: string, outcome: string];
  /** Hotplug events now come from this source (udev, or inotify while the udev monitor is down). */
  source: [source: 'udev' | 'inotify'];
}

/** Waits after a failed permission check before retrying (udev normally fixes it within ~200 ms). */
const PERMISSION_RETRY_MS = [50, 100, 200, 400, 800, 1600];
/** A v4l2loopback capture node whose writer has been silent this long is re-probed (the writer may have stopped). */
const LOOPBACK_QUIET_MS = 2000;
/** At most one write-triggered re-probe of an output node per this interval. */
const WRITE_PROBE_MIN_INTERVAL_MS = 500;
const MAX_PARALLEL_PROBES = 2;

interface NodeRecord {
  name: string;
  devnode: string;
  /** Bumped when the node is (re)added: probe results of an older generation are dropped. */
  gen: number;
  sys: SysfsNode | null;
  udev: Record<string, string> | undefined;
  /** Last successful probe. */
  probe: { info: V4l2Info; formats: PixelFormat[] } | undefined;
  /** The latest probe failed with this (the node is still there). */
  error: string | undefined;
  state: 'idle' | 'queued' | 'probing' | 'waiting-permission';
  again: boolean;
  permissionAttempts: number;
  retryTimer: NodeJS.Timeout | undefined;
  unwatch: (() => void) | undefined;
  quietTimer: NodeJS.Timeout | undefined;
  lastWriteProbe: number;
  /** performance.now() of the last write seen on the node file. */
  lastWriteAt: number;
}

interface Trigger {
  action: 'add' | 'remove';
  name: string;
  source: EventSource;
  at: number;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const isLoopback = (r: NodeRecord): boolean => /loopback/i.test(r.probe?.info.driver ?? '');
const kindOf = (r: NodeRecord) => (r.probe ? verdictOf({ devnode: r.devnode, probe: r.probe })?.kind : undefined);
const isCaptureNode = (r: NodeRecord): boolean => (r.probe ? verdictOf({ devnode: r.devnode, probe: r.probe })?.capture === true : false);

export class DiscoveryService extends EventEmitter<DiscoveryEvents> {
  readonly metrics: DiscoveryMetrics;
  readonly #d: DiscoveryDeps;
  readonly #log: Logger;
  readonly #nodes = new Map<string, NodeRecord>();
  readonly #queue: NodeRecord[] = [];
  #running = 0;
  #triggers: Trigger[] = [];
  /** Node names of each camera at the last reconcile (to attribute removals). */
  #nodesById = new Map<string, Set<string>>();
  #watcher: DeviceWatcher | undefined;
  #rescanTimer: NodeJS.Timeout | undefined;
  #rescanIntervalS: number;
  #enumerated = false;
  #started = false;
  #stopped = false;
  #quiet: (() => void)[] = [];
  #gen = 0;

  constructor(deps: DiscoveryDeps) {
    super();
    this.#d = deps;
    this.#log = deps.log;
    this.#rescanIntervalS = deps.config.rescan_interval_s;
    this.metrics = new DiscoveryMetrics(deps.metrics, () => deps.registry.list().filter((c) => c.kind === 'v4l2' && c.status === 'CONNECTED').length);
  }

  /** True while discovery runs. */
  get active(): boolean {
    return this.#started && !this.#stopped;
  }

  /** True once the first enumeration of existing devices is complete. */
  get enumerated(): boolean {
    return this.#enumerated;
  }

  /** Where hotplug events come from now: udev, inotify, or none. */
  get eventSource(): 'udev' | 'inotify' | 'none' {
    return this.#watcher?.active ?? 'none';
  }

  /** Pid of the udevadm monitor child, while it runs. */
  get monitorPid(): number | undefined {
    return this.#watcher?.monitorPid;
  }

  /** Formats (`v4l2-ctl --list-formats-ext`) of a connected camera's primary node, when probed. */
  formatsOf(id: string): PixelFormat[] | undefined {
    const primary = this.#d.registry.get(id)?.debug?.device;
    const rec = typeof primary === 'string' ? this.#nodes.get(primary.replace(/^.*\//, '')) : undefined;
    return rec?.probe?.formats;
  }

  /** Applies the mode choices again (after an operator changed a camera's mode). */
  refreshModes(): void {
    if (this.#started) this.#reconcile();
  }

  get #policy(): Partial<ModePolicy> {
    const c = this.#d.config;
    return { preferredFormats: c.preferred_formats, maxWidth: c.max_width, maxHeight: c.max_height, minFps: c.min_fps };
  }

  #useUdev(): boolean {
    const mode = this.#d.config.use_udev;
    if (mode === 'never') return false;
    if (mode === 'always') return true;
    return existsSync(this.#d.paths?.udevControl ?? '/run/udev/control');
  }

  /**
   * Starts watching, enumerates the devices present and probes them. Resolves when the first
   * enumeration is complete, or after `maxWaitMs` (then it completes in the background and
   * `enumerated` turns true later).
   */
  async start(maxWaitMs = this.#d.config.probe_timeout_ms + 2000): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    for (const id of this.#d.config.forget_ids) {
      if (this.#d.ids.forget(id)) this.#log.info({ camera: id }, 'camera id released (discovery.forget_ids)');
    }
    // Known cameras are listed (DISCONNECTED) until they show up.
    this.#reconcile();

    const watcher = new DeviceWatcher({
      useUdev: this.#useUdev(),
      devRoot: this.#d.paths?.dev ?? '/dev',
      udevadm: this.#d.paths?.udevadm ?? 'udevadm',
      log: this.#log,
    });
    this.#watcher = watcher;
    watcher.on('node', (e) => this.#onEvent(e));
    watcher.on('resync', (reason) => {
      this.#log.info({ reason }, 'resynchronising with sysfs');
      this.#rescan('resync');
    });
    watcher.on('monitor_exit', () => this.metrics.monitorRestarts.inc());
    watcher.on('source', (source) => {
      this.#log.info({ source }, `hotplug events from ${source}`);
      this.emit('source', source);
    });
    await watcher.start();

    const started = performance.now();
    for (const name of listVideoNodes(this.#sysClass)) this.#onEvent({ action: 'add', name, source: 'startup', at: started });
    const done = this.#whenQuiet().then(() => {
      if (this.#stopped) return;
      this.#enumerated = true;
      this.#log.info({ cameras: this.#connectedIds(), nodes: this.#nodes.size, ms: Math.round(performance.now() - started) }, 'first enumeration complete');
      this.emit('enumerated');
      this.#scheduleRescan();
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, maxWaitMs)))]);
    clearTimeout(timer);
    if (!this.#enumerated) this.#log.warn({ maxWaitMs }, 'first enumeration still running; continuing');
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#rescanTimer);
    this.#watcher?.stop();
    for (const rec of this.#nodes.values()) this.#release(rec);
    this.#queue.length = 0;
  }

  /** Changes the rescan interval (0: no periodic rescans). */
  setRescanInterval(seconds: number): void {
    this.#rescanIntervalS = seconds;
    clearTimeout(this.#rescanTimer);
    this.#rescanTimer = undefined;
    if (this.#enumerated) this.#scheduleRescan();
  }

  /** Runs a rescan now; resolves once its probes are done and the result is applied. */
  async rescanNow(): Promise<void> {
    this.#rescan('request');
    await this.#whenQuiet();
  }

  get #sysClass(): string {
    return this.#d.paths?.sysClass ?? SYS_CLASS_V4L;
  }

  // ---- events ---------------------------------------------------------------------------

  #onEvent(e: NodeEvent): void {
    if (this.#stopped) return;
    const rec = this.#nodes.get(e.name);
    if (e.action === 'remove') {
      if (!rec) return;
      this.#log.debug({ node: e.name, source: e.source }, 'node removed');
      this.#triggers.push({ action: 'remove', name: e.name, source: e.source, at: e.at });
      this.#forgetNode(rec); // reconciles when no probe is pending
      if (this.#pending()) this.#reconcile(); // removals are applied at once anyway
      return;
    }
    if (!rec) {
      this.#log.debug({ node: e.name, source: e.source, action: e.action }, 'node added');
      const fresh: NodeRecord = {
        name: e.name,
        devnode: `${this.#d.paths?.dev ?? '/dev'}/${e.name}`,
        gen: ++this.#gen,
        sys: null,
        udev: e.properties,
        probe: undefined,
        error: undefined,
        state: 'idle',
        again: false,
        permissionAttempts: 0,
        retryTimer: undefined,
        unwatch: undefined,
        quietTimer: undefined,
        lastWriteProbe: 0,
        lastWriteAt: 0,
      };
      this.#nodes.set(e.name, fresh);
      this.#triggers.push({ action: 'add', name: e.name, source: e.source, at: e.at });
      this.#enqueue(fresh);
      return;
    }
    if (e.properties) rec.udev = e.properties;
    // A udev add after an inotify add, or a change: the node may now be accessible or
    // advertise other capabilities.
    if (e.action === 'change' || rec.state === 'waiting-permission' || rec.error !== undefined) this.#enqueue(rec);
  }

  #forgetNode(rec: NodeRecord): void {
    this.#release(rec);
    this.#nodes.delete(rec.name);
    const i = this.#queue.indexOf(rec);
    if (i >= 0) this.#queue.splice(i, 1);
    this.#maybeQuiet();
  }

  #release(rec: NodeRecord): void {
    clearTimeout(rec.retryTimer);
    clearTimeout(rec.quietTimer);
    rec.unwatch?.();
    rec.unwatch = undefined;
  }

  // ---- probing --------------------------------------------------------------------------

  #enqueue(rec: NodeRecord): void {
    if (rec.state === 'probing') {
      rec.again = true;
      return;
    }
    if (rec.state === 'queued') return;
    clearTimeout(rec.retryTimer);
    rec.retryTimer = undefined;
    rec.state = 'queued';
    this.#queue.push(rec);
    this.#pump();
  }

  #pump(): void {
    while (!this.#stopped && this.#running < MAX_PARALLEL_PROBES && this.#queue.length > 0) {
      const rec = this.#queue.shift()!;
      if (this.#nodes.get(rec.name) !== rec) continue;
      void this.#probe(rec);
    }
  }

  async #probe(rec: NodeRecord): Promise<void> {
    this.#running++;
    rec.state = 'probing';
    rec.again = false;
    const gen = rec.gen;
    let result: ProbeResult;
    try {
      rec.sys = readSysfsNode(rec.name, this.#sysClass, this.#d.paths?.dev ?? '/dev');
      result = rec.sys
        ? await probeNode(rec.devnode, { timeoutMs: this.#d.config.probe_timeout_ms, binary: this.#d.paths?.v4l2ctl ?? 'v4l2-ctl' })
        : { ok: false, failure: 'gone', message: 'the node is no longer in sysfs', durationMs: 0 };
    } catch (err) {
      result = { ok: false, failure: 'failed', message: (err as Error).message, durationMs: 0 };
    } finally {
      this.#running--;
    }
    const outcome = result.ok ? 'ok' : result.failure;
    this.metrics.probeDuration.observe({ outcome }, result.durationMs / 1000);
    this.emit('probed', rec.name, outcome);
    if (this.#stopped || this.#nodes.get(rec.name) !== rec || rec.gen !== gen) {
      this.#pump();
      this.#maybeQuiet();
      return;
    }
    rec.state = 'idle';
    if (result.ok) {
      const before = rec.probe ? isCaptureNode(rec) : undefined;
      rec.probe = { info: result.info, formats: result.formats };
      rec.error = undefined;
      rec.permissionAttempts = 0;
      const capture = isCaptureNode(rec);
      if (before !== undefined && before !== capture) {
        this.#log.info({ node: rec.name, capture }, 'node capabilities changed');
      }
      this.#log.debug({ node: rec.name, ms: result.durationMs, capture, driver: result.info.driver, formats: result.formats.length }, 'node probed');
      this.#watchActivity(rec, capture);
      if (capture) {
        // Work the reconcile would do, done now while other probes may still be running.
        modeFor(rec.probe.formats, this.#policy);
        capabilitiesFor(rec.probe.formats);
      }
    } else if (result.failure === 'gone') {
      this.#log.debug({ node: rec.name }, 'node vanished during the probe');
      this.#forgetNode(rec);
    } else if (result.failure === 'permission') {
      this.#waitForPermission(rec, result.message);
    } else {
      rec.error = result.message;
      this.#log.warn({ node: rec.name, failure: result.failure, reason: result.message }, 'probe failed');
    }
    if (rec.again && this.#nodes.get(rec.name) === rec) this.#enqueue(rec);
    this.#pump();
    this.#maybeQuiet();
  }

  /** Before udev applied its rules the node may be root-only: retry on its attribute change, or after a bounded backoff. */
  #waitForPermission(rec: NodeRecord, message: string): void {
    const attempt = rec.permissionAttempts++;
    if (attempt >= PERMISSION_RETRY_MS.length) {
      // Give up retrying on a timer; the node file stays watched, so a later chmod/chown still counts.
      rec.error = message;
      this.#log.warn({ node: rec.name }, 'no permission to open the device node (is the service user in the video group?)');
      return;
    }
    rec.state = 'waiting-permission';
    this.#log.debug({ node: rec.name, attempt }, 'no permission to open the node yet; waiting for udev');
    rec.unwatch ??= watchNodeFile(rec.devnode, () => this.#onNodeFileChange(rec));
    rec.retryTimer = setTimeout(() => {
      rec.retryTimer = undefined;
      if (this.#nodes.get(rec.name) === rec && rec.state === 'waiting-permission') this.#enqueue(rec);
    }, PERMISSION_RETRY_MS[attempt]);
  }

  /** Output nodes of v4l2loopback (and similar) turn into capture nodes when a writer starts; watch their node file. */
  #watchActivity(rec: NodeRecord, capture: boolean): void {
    const watchable = isLoopback(rec) || (!capture && kindOf(rec) === 'video-output');
    if (!watchable) {
      rec.unwatch?.();
      rec.unwatch = undefined;
      return;
    }
    rec.unwatch ??= watchNodeFile(rec.devnode, () => this.#onNodeFileChange(rec));
    if (capture && isLoopback(rec)) this.#armQuietTimer(rec);
  }

  #onNodeFileChange(rec: NodeRecord): void {
    if (this.#stopped || this.#nodes.get(rec.name) !== rec) return;
    if (rec.state === 'waiting-permission' || (rec.error !== undefined && !rec.probe)) {
      // Permissions changed (udev applied its rules) or the node changed after failures: try again.
      this.#enqueue(rec);
      return;
    }
    rec.lastWriteAt = performance.now();
    if (isCaptureNode(rec)) {
      this.#armQuietTimer(rec); // a writer is feeding it
      return;
    }
    if (kindOf(rec) === 'mem2mem') return; // already both capture and output (exclusive_caps=0): a writer changes nothing
    const now = performance.now();
    if (now - rec.lastWriteProbe < WRITE_PROBE_MIN_INTERVAL_MS) return;
    rec.lastWriteProbe = now;
    this.#triggers.push({ action: 'add', name: rec.name, source: 'inotify', at: now });
    this.#enqueue(rec);
  }

  #armQuietTimer(rec: NodeRecord): void {
    clearTimeout(rec.quietTimer);
    rec.quietTimer = setTimeout(() => {
      rec.quietTimer = undefined;
      if (this.#nodes.get(rec.name) !== rec) return;
      // The writer may have stopped: its last write is when the camera went away.
      this.#triggers.push({ action: 'remove', name: rec.name, source: 'idle', at: rec.lastWriteAt || performance.now() });
      this.#enqueue(rec);
    }, LOOPBACK_QUIET_MS);
  }

  #pending(): boolean {
    return this.#running > 0 || this.#queue.length > 0;
  }

  #whenQuiet(): Promise<void> {
    if (!this.#pending()) {
      this.#reconcile();
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#quiet.push(resolve));
  }

  #maybeQuiet(): void {
    if (this.#pending() || this.#stopped) return;
    this.#reconcile();
    const waiting = this.#quiet;
    this.#quiet = [];
    for (const resolve of waiting) resolve();
  }

  // ---- rescan -----------------------------------------------------------------------------

  #scheduleRescan(): void {
    if (this.#stopped || this.#rescanIntervalS <= 0 || this.#rescanTimer) return;
    this.#rescanTimer = setTimeout(() => {
      this.#rescanTimer = undefined;
      this.#rescan('periodic');
      this.#scheduleRescan();
    }, this.#rescanIntervalS * 1000);
    this.#rescanTimer.unref();
  }

  /** Compares sysfs with the node records and repairs what events missed. */
  #rescan(why: string): void {
    if (this.#stopped) return;
    const at = performance.now();
    const listed = new Set(listVideoNodes(this.#sysClass));
    const found: string[] = [];
    for (const rec of [...this.#nodes.values()]) {
      if (!listed.has(rec.name)) {
        found.push(`missed_remove:${rec.name}`);
        this.#onEvent({ action: 'remove', name: rec.name, source: 'rescan', at });
        continue;
      }
      const sys = readSysfsNode(rec.name, this.#sysClass, this.#d.paths?.dev ?? '/dev');
      if (rec.sys && sys && (sys.dev !== rec.sys.dev || sys.sysfsPath !== rec.sys.sysfsPath)) {
        found.push(`replaced:${rec.name}`);
        this.#onEvent({ action: 'remove', name: rec.name, source: 'rescan', at });
        this.#onEvent({ action: 'add', name: rec.name, source: 'rescan', at });
        continue;
      }
      // Retry failures; re-check loopback nodes (a writer may have come or gone unnoticed).
      if (rec.state === 'idle' && (rec.error !== undefined || isLoopback(rec))) {
        const wasCapture = rec.probe ? isCaptureNode(rec) : undefined;
        if (isLoopback(rec)) this.#triggers.push({ action: wasCapture ? 'remove' : 'add', name: rec.name, source: 'rescan', at });
        this.#enqueue(rec);
        if (isLoopback(rec)) this.#checkAfterProbe(rec, wasCapture);
      }
    }
    for (const name of listed) {
      if (this.#nodes.has(name)) continue;
      found.push(`missed_add:${name}`);
      this.#onEvent({ action: 'add', name, source: 'rescan', at });
    }
    this.#countRescan(why, found);
  }

  /** Counts a loopback node whose capture capability changed without any event. */
  #checkAfterProbe(rec: NodeRecord, wasCapture: boolean | undefined): void {
    const gen = rec.gen;
    void this.#whenQuiet().then(() => {
      if (this.#nodes.get(rec.name) !== rec || rec.gen !== gen || !rec.probe) return;
      const now = isCaptureNode(rec);
      if (wasCapture !== undefined && now !== wasCapture) {
        this.metrics.rescanDiscrepancies.inc({ kind: 'capabilities_changed' });
        this.#log.info({ node: rec.name, capture: now }, 'rescan: capabilities changed without an event');
      }
    });
  }

  #countRescan(why: string, found: string[]): void {
    if (why !== 'periodic' && found.length === 0) return;
    this.metrics.rescans.inc({ result: found.length > 0 ? 'repaired' : 'clean' });
    for (const f of found) this.metrics.rescanDiscrepancies.inc({ kind: f.slice(0, f.indexOf(':')) });
    if (found.length > 0) {
      const hint = this.eventSource === 'udev' && why === 'periodic' ? ' (udev events were missed: if this repeats, udevd may be out of reach, e.g. in a container; try discovery.use_udev: never)' : '';
      this.#log.warn({ why, found }, `rescan repaired missed events${hint}`);
    }
  }

  // ---- reconcile --------------------------------------------------------------------------

  #probedNode(rec: NodeRecord): ProbedNode {
    const sys = rec.sys;
    const n: ProbedNode = { devnode: rec.devnode };
    if (sys) {
      if (sys.index !== null) n.indexInDevice = sys.index;
      n.sysfsPath = sys.sysfsPath;
      if (sys.usb) n.usb = sys.usb;
      if (sys.label) n.card = sys.label;
    }
    if (rec.udev) {
      n.udev = rec.udev;
      if (rec.udev.DEVLINKS) n.links = rec.udev.DEVLINKS.split(/\s+/).filter((l) => l !== '');
    }
    if (rec.probe) n.probe = rec.probe;
    if (rec.error !== undefined) n.error = rec.error;
    return n;
  }

  #connectedIds(): string[] {
    return this.#d.registry.list().filter((c) => c.kind === 'v4l2' && c.status === 'CONNECTED').map((c) => c.id);
  }

  #reconcile(): void {
    if (this.#stopped) return;
    const registry = this.#d.registry;
    const ids = this.#d.ids;
    // Nodes seen but never probed yet (queued, probing, waiting for permission).
    const unsettled = [...this.#nodes.values()].filter((r) => !r.probe && r.error === undefined);
    const considered = [...this.#nodes.values()].filter((r) => r.probe || r.error !== undefined);
    const assembled = assembleCameras(considered.map((r) => this.#probedNode(r)), this.#policy);
    // While nodes are unsettled, only cameras that already have an id are updated: new ids
    // are handed out when every node is known, in node order.
    const entries = ids.entries();
    const known = (a: AssembledCamera) => entries.some((e) => e.identity === a.identity.key || a.identity.aliases.includes(e.identity));
    const ready = unsettled.length > 0 ? assembled.filter(known) : assembled;
    const idOf = ids.assign(ready.map((a) => ({ identity: a.identity.key, aliases: a.identity.aliases, name: a.name })));

    const present = new Set<string>();
    const nodesById = new Map<string, Set<string>>();
    for (const a of ready) {
      const id = idOf.get(a.identity.key);
      if (!id) continue;
      present.add(id);
      nodesById.set(id, new Set(a.nodes.map((n) => n.devnode.replace(/^.*\//, ''))));
      this.#apply(id, this.#cameraOf(id, a), nodesById.get(id)!);
    }
    for (const e of ids.entries()) {
      if (!isV4l2IdentityKey(e.identity) || present.has(e.id)) continue;
      const previous = registry.get(e.id);
      if (previous && previous.kind !== 'v4l2') continue;
      if (previous?.status === 'DISCONNECTED') continue;
      this.#apply(e.id, this.#disconnected(e.id, e.identity, e.aliases ?? [], e.name, previous), this.#nodesById.get(e.id) ?? new Set());
    }
    for (const [id, names] of nodesById) this.#nodesById.set(id, names);
    // Triggers of nodes that are still unsettled wait for the next round.
    const waiting = new Set(unsettled.map((r) => r.name));
    const horizon = performance.now() - 60_000;
    this.#triggers = this.#triggers.filter((t) => t.action === 'add' && waiting.has(t.name) && t.at > horizon);
  }

  #cameraOf(id: string, a: AssembledCamera): Omit<Camera, 'since'> {
    const debug: Record<string, unknown> = {
      identity: a.identity.key,
      aliases: a.identity.aliases,
      basis: a.identity.basis,
      nodes: a.nodes,
      driver: a.driver,
      bus_info: a.busInfo,
    };
    if (a.primary) debug.device = a.primary;
    const formats = a.primary ? this.#nodes.get(a.primary.replace(/^.*\//, ''))?.probe?.formats : undefined;
    const chosen = a.mode && formats && a.status === 'CONNECTED' ? this.#d.modeOverride?.(a.identity.key, formats) : undefined;
    const mode = chosen ?? a.mode;
    if (mode) {
      debug.frame_interval = mode.interval;
      debug.mode_reason = mode.reason;
      debug.mode_source = chosen ? 'operator' : 'policy';
    }
    return {
      id,
      kind: 'v4l2',
      name: a.name,
      status: a.status,
      ...(mode ? { mode: { format: mode.format, width: mode.width, height: mode.height, fps: mode.fps } } : {}),
      ...(a.capabilities ? { capabilities: a.capabilities } : {}),
      ...(a.error !== undefined ? { error: a.error } : {}),
      debug,
    };
  }

  #disconnected(id: string, identity: string, aliases: string[], name: string | undefined, previous: Camera | undefined): Omit<Camera, 'since'> {
    return {
      id,
      kind: 'v4l2',
      name: previous?.name ?? name ?? id,
      status: 'DISCONNECTED',
      ...(previous?.mode ? { mode: previous.mode } : {}),
      ...(previous?.capabilities ? { capabilities: previous.capabilities } : {}),
      debug: { identity, aliases, nodes: [] },
    };
  }

  /** Upserts one camera (notifications are written synchronously by the registry's listeners), then metrics and events. */
  #apply(id: string, camera: Omit<Camera, 'since'>, nodeNames: Set<string>): void {
    const previous = this.#d.registry.get(id);
    const next = this.#d.registry.upsert(camera);
    const written = performance.now();
    if (previous?.status !== next.status) {
      const action = next.status === 'DISCONNECTED' ? 'remove' : 'add';
      const cause = this.#triggers
        .filter((t) => t.action === action && nodeNames.has(t.name) && t.source !== 'startup')
        .sort((x, y) => x.at - y.at)[0];
      const change = next.status.toLowerCase();
      if (cause) {
        const seconds = (written - cause.at) / 1000;
        this.metrics.detectionLatency.observe({ source: cause.source, change }, seconds);
        this.#log.info({ camera: id, status: next.status, node: cause.name, source: cause.source, latency_ms: Math.round(seconds * 10000) / 10 }, `camera ${change}`);
      } else {
        this.#log.info({ camera: id, status: next.status, ...(next.error ? { reason: next.error } : {}) }, `camera ${change}`);
      }
    }
    if (next.status === 'CONNECTED' && (previous?.status !== 'CONNECTED' || !same(previous.capabilities, next.capabilities) || !same(previous.mode, next.mode))) {
      this.emit('capability_detected', next);
    }
    if (next.status === 'ERROR' && (previous?.status !== 'ERROR' || previous.error !== next.error)) {
      this.emit('capability_error', next, next.error ?? 'unknown error');
    }
  }
}
