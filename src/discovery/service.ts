/**
 * The discovery service: turns hotplug events into cameras in the CameraRegistry.
 *
 *   watcher (udev / inotify) ──► node records ──► probe queue (probe-queue.ts, 2 at a time)
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
import { accessSync, constants, existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../observability/logger.js';
import { capabilitiesFor, modeFor } from './assemble.js';
import type { DiscoveryDeps, DiscoveryEvents } from './deps.js';
import { DiscoveryMetrics } from './metrics.js';
import type { ModePolicy } from './mode-policy.js';
import { isCaptureNode, isLoopback, newNodeRecord, type NodeRecord } from './node-record.js';
import { NodeActivity } from './node-activity.js';
import { isStaleRemove, ProbeCache, sameProbe } from './probe-cache.js';
import { ProbeQueue } from './probe-queue.js';
import { CameraReconciler } from './reconcile.js';
import { Rescans } from './rescan.js';
import { listVideoNodes, readLoopbackFormat, readSysfsNode, SYS_CLASS_V4L } from './sysfs.js';
import type { PixelFormat } from './v4l2-formats.js';
import { probeNode, type ProbeResult } from './v4l2-probe.js';
import { DeviceWatcher, type NodeEvent } from './watcher.js';

export type { DiscoveryConfig, DiscoveryDeps, DiscoveryEvents } from './deps.js';

const MAX_PARALLEL_PROBES = 2;
/** A camera announced from the probe cache is re-probed this long after its node appeared. */
const VERIFY_DELAY_MS = 150;
/**
 * A periodic rescan leaves a node inotify saw appear this recently to udev's event (udev's
 * rules take a while, under emulation about a second): not a missed event.
 */
const AWAIT_UDEV_MS = 3000;

export class DiscoveryService extends EventEmitter<DiscoveryEvents> {
  readonly metrics: DiscoveryMetrics;
  readonly #d: DiscoveryDeps;
  readonly #log: Logger;
  readonly #nodes = new Map<string, NodeRecord>();
  readonly #probes: ProbeQueue;
  readonly #cameras: CameraReconciler;
  readonly #activity: NodeActivity;
  #watcher: DeviceWatcher | undefined;
  readonly #rescans: Rescans;
  #enumerated = false;
  #started = false;
  #stopped = false;
  #reconcileQueued = false;
  #gen = 0;
  /** Probe results of nodes seen before in this run (known cameras re-plugged are announced from them). */
  readonly #probeCache = new ProbeCache();
  /** New nodes inotify saw while udev is in charge, waiting for udev's event: name → when seen. */
  readonly #awaitingUdev = new Map<string, number>();

  constructor(deps: DiscoveryDeps) {
    super();
    this.#d = deps;
    this.#log = deps.log;
    this.metrics = new DiscoveryMetrics(deps.metrics, () => deps.registry.list().filter((c) => c.kind === 'v4l2' && c.status === 'CONNECTED').length);
    this.#probes = new ProbeQueue({
      parallel: MAX_PARALLEL_PROBES,
      stopped: () => this.#stopped,
      current: (rec) => this.#nodes.get(rec.name) === rec,
      probe: (rec) => this.#probe(rec),
      onQuiet: () => this.#reconcile(),
    });
    this.#cameras = new CameraReconciler({
      registry: deps.registry,
      ids: deps.ids,
      metrics: this.metrics,
      log: deps.log,
      ...(deps.modeOverride ? { modeOverride: deps.modeOverride } : {}),
      announce: (event, camera) => (event === 'capability_error' ? this.emit(event, camera, camera.error ?? 'unknown error') : this.emit(event, camera)),
    });
    this.#activity = new NodeActivity({
      log: deps.log,
      current: (rec) => !this.#stopped && this.#nodes.get(rec.name) === rec,
      enqueue: (rec) => this.#probes.enqueue(rec),
      trigger: (t) => this.#cameras.triggers.push(t),
      formatAttr: (rec) => readLoopbackFormat(rec.name, this.#sysClass),
      writerGone: (rec) => {
        if (rec.outputProbe && rec.state === 'idle') {
          this.#log.debug({ node: rec.name }, 'loopback writer gone (sysfs): capture no longer offered');
          rec.probe = rec.outputProbe;
          this.#reconcile();
        }
        this.#probes.enqueue(rec); // the probe verifies
      },
    });
    this.#rescans = new Rescans({
      sysClass: deps.paths?.sysClass ?? SYS_CLASS_V4L,
      dev: deps.paths?.dev ?? '/dev',
      intervalS: deps.config.rescan_interval_s,
      nodes: this.#nodes,
      metrics: this.metrics,
      log: deps.log,
      stopped: () => this.#stopped,
      eventSource: () => this.eventSource,
      onEvent: (e) => this.#onEvent(e),
      enqueue: (rec) => this.#probes.enqueue(rec),
      trigger: (t) => this.#cameras.triggers.push(t),
      whenQuiet: () => this.#probes.whenQuiet(),
      awaitingUdev: (name, now) => (this.#awaitingUdev.get(name) ?? -Infinity) > now - AWAIT_UDEV_MS,
    });
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
      this.#rescans.run('resync');
    });
    watcher.on('monitor_exit', () => this.metrics.monitorRestarts.inc());
    watcher.on('source', (source) => {
      this.#log.info({ source }, `hotplug events from ${source}`);
      this.emit('source', source);
    });
    await watcher.start();

    const started = performance.now();
    for (const name of listVideoNodes(this.#sysClass)) this.#onEvent({ action: 'add', name, source: 'startup', at: started });
    const done = this.#probes.whenQuiet().then(() => {
      if (this.#stopped) return;
      this.#enumerated = true;
      this.#log.info({ cameras: this.#cameras.connectedIds(), nodes: this.#nodes.size, ms: Math.round(performance.now() - started) }, 'first enumeration complete');
      this.emit('enumerated');
      this.#rescans.schedule();
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, maxWaitMs)))]);
    clearTimeout(timer);
    if (!this.#enumerated) this.#log.warn({ maxWaitMs }, 'first enumeration still running; continuing');
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#rescans.stop();
    this.#watcher?.stop();
    for (const rec of this.#nodes.values()) this.#release(rec);
    this.#probes.clear();
  }

  /** Changes the rescan interval (0: no periodic rescans). */
  setRescanInterval(seconds: number): void {
    this.#rescans.setInterval(seconds, this.#enumerated);
  }

  /** Runs a rescan now; resolves once its probes are done and the result is applied. */
  async rescanNow(): Promise<void> {
    this.#rescans.run('request');
    await this.#probes.whenQuiet();
  }

  get #sysClass(): string {
    return this.#d.paths?.sysClass ?? SYS_CLASS_V4L;
  }

  // ---- events ---------------------------------------------------------------------------

  #onEvent(e: NodeEvent): void {
    if (this.#stopped) return;
    const rec = this.#nodes.get(e.name);
    if (e.action === 'remove') {
      this.#awaitingUdev.delete(e.name);
      if (!rec) return;
      if (e.source === 'udev' && isStaleRemove(rec.sys, e.properties?.['DEVPATH'], existsSync(rec.devnode))) {
        this.#log.debug({ node: e.name }, 'late udev removal of the device that had this node name before; ignored');
        return;
      }
      this.#log.debug({ node: e.name, source: e.source }, 'node removed');
      this.#cameras.triggers.push({ action: 'remove', name: e.name, source: e.source, at: e.at });
      this.#forgetNode(rec); // reconciles when no probe is pending
      if (this.#probes.pending) this.#reconcile(); // removals are applied at once anyway
      return;
    }
    if (!rec) {
      const devnode = `${this.#d.paths?.dev ?? '/dev'}/${e.name}`;
      const known = this.#knownNode(e.name, devnode);
      // While udev is in charge a new node waits for udev's event (rules applied, properties
      // attached); a known camera is announced from the first signal.
      if (e.early && !known) {
        this.#awaitingUdev.set(e.name, e.at);
        return;
      }
      this.#awaitingUdev.delete(e.name);
      this.#log.debug({ node: e.name, source: e.source, action: e.action, known: known !== undefined }, 'node added');
      const fresh = newNodeRecord(e.name, devnode, ++this.#gen, e.properties);
      this.#nodes.set(e.name, fresh);
      this.#cameras.triggers.push({ action: 'add', name: e.name, source: e.source, at: e.at });
      if (known) {
        // Announced now with what it offered last time; the background probe verifies it.
        fresh.sys = known.sys;
        fresh.probe = known.probe;
        fresh.cached = true;
        this.#reconcileSoon();
        // Verified once the burst of nodes a device brings is in (spawning v4l2-ctl holds the
        // event loop for a moment, under emulation tens of ms).
        fresh.retryTimer = setTimeout(() => {
          fresh.retryTimer = undefined;
          if (!this.#stopped && this.#nodes.get(fresh.name) === fresh && fresh.state === 'idle') this.#probes.enqueue(fresh);
        }, VERIFY_DELAY_MS);
        return;
      }
      this.#probes.enqueue(fresh);
      return;
    }
    if (e.early) return; // udev's own event follows
    if (e.properties) rec.udev = e.properties;
    // A udev add after an inotify add, or a change: the node may now be accessible or
    // advertise other capabilities.
    if (e.action === 'change' || rec.state === 'waiting-permission' || rec.error !== undefined) this.#probes.enqueue(rec);
  }

  /**
   * A node whose sysfs facts match a node probed before in this run and that the service can
   * open now: its cached probe result.
   */
  #knownNode(name: string, devnode: string): { sys: NonNullable<NodeRecord['sys']>; probe: NonNullable<NodeRecord['probe']> } | undefined {
    if (this.#probeCache.size === 0) return undefined;
    const sys = readSysfsNode(name, this.#sysClass, this.#d.paths?.dev ?? '/dev');
    const probe = this.#probeCache.get(sys);
    if (!sys || !probe) return undefined;
    try {
      accessSync(devnode, constants.R_OK | constants.W_OK); // not before udev fixed permissions
    } catch {
      return undefined;
    }
    return { sys, probe };
  }

  #forgetNode(rec: NodeRecord): void {
    this.#release(rec);
    this.#nodes.delete(rec.name);
    this.#probes.remove(rec);
  }

  #release(rec: NodeRecord): void {
    clearTimeout(rec.retryTimer);
    clearTimeout(rec.quietTimer);
    rec.unwatch?.();
    rec.unwatch = undefined;
  }

  // ---- probing --------------------------------------------------------------------------

  /** One probe of a node (run by the probe queue): v4l2-ctl, then a function that applies its result. */
  async #probe(rec: NodeRecord): Promise<() => void> {
    let result: ProbeResult;
    try {
      rec.sys = readSysfsNode(rec.name, this.#sysClass, this.#d.paths?.dev ?? '/dev');
      result = rec.sys
        ? await probeNode(rec.devnode, { timeoutMs: this.#d.config.probe_timeout_ms, binary: this.#d.paths?.v4l2ctl ?? 'v4l2-ctl' })
        : { ok: false, failure: 'gone', message: 'the node is no longer in sysfs', durationMs: 0 };
    } catch (err) {
      result = { ok: false, failure: 'failed', message: (err as Error).message, durationMs: 0 };
    }
    return () => this.#applyProbe(rec, result);
  }

  #applyProbe(rec: NodeRecord, result: ProbeResult): void {
    const outcome = result.ok ? 'ok' : result.failure;
    this.metrics.probeDuration.observe({ outcome }, result.durationMs / 1000);
    this.emit('probed', rec.name, outcome);
    if (this.#stopped || this.#nodes.get(rec.name) !== rec) return;
    rec.state = 'idle';
    const cached = rec.cached;
    rec.cached = false;
    if (cached) {
      // The background verification of a camera announced from the cache.
      const confirmed = result.ok && sameProbe(rec.probe, { info: result.info, formats: result.formats });
      this.#log.debug({ node: rec.name, ms: result.durationMs, outcome, confirmed }, confirmed ? 'cached capabilities confirmed' : 'cached capabilities not confirmed');
      if (!result.ok) rec.probe = undefined; // judged as a first probe that failed
    }
    if (result.ok) {
      const before = rec.probe && !cached ? isCaptureNode(rec) : undefined;
      rec.probe = { info: result.info, formats: result.formats };
      this.#probeCache.set(rec.sys, rec.probe);
      if (isLoopback(rec) && !isCaptureNode(rec)) rec.outputProbe = rec.probe;
      rec.error = undefined;
      rec.permissionAttempts = 0;
      const capture = isCaptureNode(rec);
      if (before !== undefined && before !== capture) {
        this.#log.info({ node: rec.name, capture }, 'node capabilities changed');
      }
      this.#log.debug({ node: rec.name, ms: result.durationMs, capture, driver: result.info.driver, formats: result.formats.length }, 'node probed');
      this.#activity.watch(rec, capture);
      if (capture) {
        // Work the reconcile would do, done now while other probes may still be running.
        modeFor(rec.probe.formats, this.#policy);
        capabilitiesFor(rec.probe.formats);
      }
    } else if (result.failure === 'gone') {
      this.#log.debug({ node: rec.name }, 'node vanished during the probe');
      this.#cameras.triggers.push({ action: 'remove', name: rec.name, source: 'probe', at: performance.now() });
      this.#forgetNode(rec);
    } else if (result.failure === 'permission') {
      this.#activity.waitForPermission(rec, result.message);
    } else {
      rec.error = result.message;
      this.#log.warn({ node: rec.name, failure: result.failure, reason: result.message }, 'probe failed');
    }
  }

  #reconcile(): void {
    if (!this.#stopped) this.#cameras.reconcile(this.#nodes, this.#policy);
  }

  /**
   * Reconciles once the hotplug events already read are taken in (setImmediate runs after the
   * event loop's I/O callbacks): a re-plugged device's nodes arrive together, and each reconcile
   * assembles every camera and notifies, so one pass announces them all sooner than one per node.
   */
  #reconcileSoon(): void {
    if (this.#reconcileQueued) return;
    this.#reconcileQueued = true;
    setImmediate(() => {
      this.#reconcileQueued = false;
      this.#reconcile();
    });
  }
}
