/**
 * Rescans: compare sysfs with the node records and repair what hotplug events missed (missed
 * adds and removes, a node name reused by another device, failed or loopback nodes probed
 * again), periodically (`discovery.rescan_interval_s`), on a watcher resync and on request;
 * every repair is counted in the discrepancy metric.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from '../observability/logger.js';
import type { DiscoveryMetrics } from './metrics.js';
import { isCaptureNode, isLoopback, rescanDecision, type NodeRecord, type Trigger } from './node-record.js';
import { listVideoNodes, readSysfsNode } from './sysfs.js';
import type { NodeEvent } from './watcher.js';

export interface RescanDeps {
  sysClass: string;
  dev: string;
  intervalS: number;
  nodes: ReadonlyMap<string, NodeRecord>;
  metrics: DiscoveryMetrics;
  log: Logger;
  stopped(): boolean;
  eventSource(): string;
  onEvent(e: NodeEvent): void;
  enqueue(rec: NodeRecord): void;
  trigger(t: Trigger): void;
  /** Resolves once no probe is queued or running (and the result is reconciled). */
  whenQuiet(): Promise<void>;
  /** Whether inotify saw this node appear so recently that udev's event is still to come. */
  awaitingUdev(name: string, now: number): boolean;
}

export class Rescans {
  #timer: NodeJS.Timeout | undefined;
  #intervalS: number;

  constructor(private readonly d: RescanDeps) {
    this.#intervalS = d.intervalS;
  }

  /** Changes the interval (0: no periodic rescans); `armed`: schedule the next one now. */
  setInterval(seconds: number, armed: boolean): void {
    this.#intervalS = seconds;
    this.stop();
    if (armed) this.schedule();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Arms the next periodic rescan (none while the interval is 0). */
  schedule(): void {
    if (this.d.stopped() || this.#intervalS <= 0 || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.run('periodic');
      this.schedule();
    }, this.#intervalS * 1000);
    this.#timer.unref();
  }

  /** Compares sysfs with the node records and repairs what events missed. */
  run(why: string): void {
    if (this.d.stopped()) return;
    const at = performance.now();
    const listed = new Set(listVideoNodes(this.d.sysClass));
    const found: string[] = [];
    for (const rec of [...this.d.nodes.values()]) {
      const decision = rescanDecision(rec, listed.has(rec.name), listed.has(rec.name) ? readSysfsNode(rec.name, this.d.sysClass, this.d.dev) : null);
      if (decision === 'missed_remove' || decision === 'replaced') {
        found.push(`${decision}:${rec.name}`);
        this.d.onEvent({ action: 'remove', name: rec.name, source: 'rescan', at });
        if (decision === 'replaced') this.d.onEvent({ action: 'add', name: rec.name, source: 'rescan', at });
      } else if (decision === 'retry') {
        const wasCapture = rec.probe ? isCaptureNode(rec) : undefined;
        if (isLoopback(rec)) this.d.trigger({ action: wasCapture ? 'remove' : 'add', name: rec.name, source: 'rescan', at });
        this.d.enqueue(rec);
        if (isLoopback(rec)) this.#checkAfterProbe(rec, wasCapture);
      }
    }
    for (const name of listed) {
      if (this.d.nodes.has(name)) continue;
      // A periodic rescan between the kernel's add and udev's event is no repair (requested
      // and resync rescans take it: events may really have been lost then).
      if (why === 'periodic' && this.d.awaitingUdev(name, at)) continue;
      found.push(`missed_add:${name}`);
      this.d.onEvent({ action: 'add', name, source: 'rescan', at });
    }
    this.#countRescan(why, found);
  }

  /** Counts a loopback node whose capture capability changed without any event. */
  #checkAfterProbe(rec: NodeRecord, wasCapture: boolean | undefined): void {
    const gen = rec.gen;
    void this.d.whenQuiet().then(() => {
      if (this.d.nodes.get(rec.name) !== rec || rec.gen !== gen || !rec.probe) return;
      const now = isCaptureNode(rec);
      if (wasCapture !== undefined && now !== wasCapture) {
        this.d.metrics.rescanDiscrepancies.inc({ kind: 'capabilities_changed' });
        this.d.log.info({ node: rec.name, capture: now }, 'rescan: capabilities changed without an event');
      }
    });
  }

  #countRescan(why: string, found: string[]): void {
    if (why !== 'periodic' && found.length === 0) return;
    this.d.metrics.rescans.inc({ result: found.length > 0 ? 'repaired' : 'clean' });
    for (const f of found) this.d.metrics.rescanDiscrepancies.inc({ kind: f.slice(0, f.indexOf(':')) });
    if (found.length > 0) {
      const hint = this.d.eventSource() === 'udev' && why === 'periodic' ? ' (udev events were missed: if this repeats, udevd may be out of reach, e.g. in a container; try discovery.use_udev: never)' : '';
      this.d.log.warn({ why, found }, `rescan repaired missed events${hint}`);
    }
  }
}
