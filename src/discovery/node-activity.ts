/**
 * Watching a node's file between probes: a node that is root-only until udev applies its rules
 * is retried on its attribute change or on a short backoff; v4l2loopback (and other output)
 * nodes turn into capture nodes when a writer starts, without any uevent, so the writer's
 * writes trigger a re-probe; a loopback capture node silent for a few of its writer's frame
 * intervals is checked (the writer may have closed it; inotify's close-after-write is not
 * available through fs.watch): v4l2loopback's sysfs `format` attribute tells, else a probe.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from '../observability/logger.js';
import { isCaptureNode, isLoopback, kindOf, type NodeRecord, type Trigger } from './node-record.js';
import { watchNodeFile } from './watcher.js';

/** Waits after a failed permission check before retrying (udev normally fixes it within ~200 ms). */
const PERMISSION_RETRY_MS = [50, 100, 200, 400, 800, 1600];
/**
 * A v4l2loopback capture node whose writer has been silent this long is re-probed (the writer
 * may have stopped); once the writer's pace is known, the wait is a few frame intervals
 * (`quietAfterMs`).
 */
export const LOOPBACK_QUIET_MS = 2000;
/** Write gaps remembered per node (the writer's pace). */
const PACE_SAMPLES = 8;

/**
 * How long a loopback writer may be silent before the node is re-probed (pure): 1.5× the
 * longest of its recent gaps between writes (frames), at least 60 ms, at most LOOPBACK_QUIET_MS;
 * LOOPBACK_QUIET_MS until three gaps are known. A writer that only paused is still a writer:
 * the probe says so and nothing changes.
 */
export function quietAfterMs(gaps: readonly number[]): number {
  if (gaps.length < 3) return LOOPBACK_QUIET_MS;
  return Math.min(LOOPBACK_QUIET_MS, Math.max(60, Math.ceil(1.5 * Math.max(...gaps))));
}

/**
 * The same when the check is a sysfs read (no probe, so looking early costs nothing): 1.2× the
 * writer's median gap (at least 40 ms), 200 ms until three gaps are known.
 */
export function firstCheckAfterMs(gaps: readonly number[]): number {
  if (gaps.length < 3) return 200;
  const sorted = [...gaps].sort((a, b) => a - b);
  return Math.min(LOOPBACK_QUIET_MS, Math.max(40, Math.ceil(1.2 * sorted[Math.floor(sorted.length / 2)]!)));
}

/**
 * What v4l2loopback's sysfs `format` attribute says about its writer (pure): the driver prints
 * the format only while the device is ready for capture (a writer set it up and some opener is
 * still there) and then, with exclusive_caps=1, it announces the capture capability; empty
 * once the last opener closed (capture gone); null (no such attribute): unknown.
 */
export function writerState(formatAttr: string | null): 'ready' | 'gone' | 'unknown' {
  if (formatAttr === null) return 'unknown';
  return formatAttr.trim() === '' ? 'gone' : 'ready';
}

/** The writer is silent but the device still ready (paused, or a reader holds it): look again after this (attempt 1, 2, …). */
export function recheckAfterMs(attempt: number): number {
  return Math.min(LOOPBACK_QUIET_MS, 25 * 2 ** Math.max(0, attempt - 1));
}
/** At most one write-triggered re-probe of an output node per this interval. */
const WRITE_PROBE_MIN_INTERVAL_MS = 500;

export interface NodeActivityDeps {
  log: Logger;
  /** Whether `rec` is still the live record of its node (discovery runs and it was not removed or re-added). */
  current(rec: NodeRecord): boolean;
  /** Queues a probe of the node. */
  enqueue(rec: NodeRecord): void;
  /** Records the hotplug event that explains a coming change. */
  trigger(t: Trigger): void;
  /** v4l2loopback's sysfs `format` attribute of the node, or null when there is none. */
  formatAttr(rec: NodeRecord): string | null;
  /** The kernel says the loopback writer is gone (capture no longer offered): apply it now, then probe to verify. */
  writerGone(rec: NodeRecord): void;
}

export class NodeActivity {
  constructor(private readonly d: NodeActivityDeps) {}

  /** Before udev applied its rules the node may be root-only: retry on its attribute change, or after a bounded backoff. */
  waitForPermission(rec: NodeRecord, message: string): void {
    const attempt = rec.permissionAttempts++;
    if (attempt >= PERMISSION_RETRY_MS.length) {
      // Give up retrying on a timer; the node file stays watched, so a later chmod/chown still counts.
      rec.error = message;
      this.d.log.warn({ node: rec.name }, 'no permission to open the device node (is the service user in the video group?)');
      return;
    }
    rec.state = 'waiting-permission';
    this.d.log.debug({ node: rec.name, attempt }, 'no permission to open the node yet; waiting for udev');
    rec.unwatch ??= watchNodeFile(rec.devnode, () => this.#onNodeFileChange(rec));
    rec.retryTimer = setTimeout(() => {
      rec.retryTimer = undefined;
      if (this.d.current(rec) && rec.state === 'waiting-permission') this.d.enqueue(rec);
    }, PERMISSION_RETRY_MS[attempt]);
  }

  /** Output nodes of v4l2loopback (and similar) turn into capture nodes when a writer starts; watch their node file. */
  watch(rec: NodeRecord, capture: boolean): void {
    const watchable = isLoopback(rec) || (!capture && kindOf(rec) === 'video-output');
    if (!watchable) {
      rec.unwatch?.();
      rec.unwatch = undefined;
      return;
    }
    rec.unwatch ??= watchNodeFile(rec.devnode, () => this.#onNodeFileChange(rec));
    // A writer that fell silent but is still there (paused): its pace is learnt again before
    // the short wait applies, so a paused writer is not re-probed every few frame intervals.
    if (rec.idleProbe && capture) rec.writeGaps = [];
    rec.idleProbe = false;
    if (capture && isLoopback(rec)) this.#armQuietTimer(rec);
  }

  #onNodeFileChange(rec: NodeRecord): void {
    if (!this.d.current(rec)) return;
    if (rec.state === 'waiting-permission' || (rec.error !== undefined && !rec.probe)) {
      // Permissions changed (udev applied its rules) or the node changed after failures: try again.
      this.d.enqueue(rec);
      return;
    }
    const at = performance.now();
    if (rec.lastWriteAt > 0 && at - rec.lastWriteAt < LOOPBACK_QUIET_MS) {
      rec.writeGaps.push(at - rec.lastWriteAt);
      if (rec.writeGaps.length > PACE_SAMPLES) rec.writeGaps.shift();
    }
    rec.lastWriteAt = at;
    if (isCaptureNode(rec)) {
      rec.quietChecks = 0;
      this.#armQuietTimer(rec); // a writer is feeding it
      return;
    }
    if (kindOf(rec) === 'mem2mem') return; // already both capture and output (exclusive_caps=0): a writer changes nothing
    const now = performance.now();
    if (now - rec.lastWriteProbe < WRITE_PROBE_MIN_INTERVAL_MS) return;
    rec.lastWriteProbe = now;
    this.d.trigger({ action: 'add', name: rec.name, source: 'inotify', at: now });
    this.d.enqueue(rec);
  }

  #armQuietTimer(rec: NodeRecord, ms = this.#readable(rec) ? firstCheckAfterMs(rec.writeGaps) : quietAfterMs(rec.writeGaps)): void {
    clearTimeout(rec.quietTimer);
    rec.quietTimer = setTimeout(() => {
      rec.quietTimer = undefined;
      if (this.d.current(rec)) this.#onQuiet(rec);
    }, ms);
  }

  /** Whether the writer's state can be read from sysfs (a v4l2loopback exclusive_caps=1 capture node with the attribute). */
  #readable(rec: NodeRecord): boolean {
    rec.formatAttr ??= isLoopback(rec) && this.d.formatAttr(rec) !== null; // the driver's, read once
    return rec.formatAttr && kindOf(rec) === 'video-capture';
  }

  /** The writer has been silent for a few frame intervals: has it closed the device? */
  #onQuiet(rec: NodeRecord): void {
    // exclusive_caps=1 (capture only while a writer is there): the kernel's sysfs attribute
    // answers without spawning a probe.
    const state = this.#readable(rec) ? writerState(this.d.formatAttr(rec)) : 'unknown';
    if (state === 'ready') {
      rec.quietChecks++;
      this.#armQuietTimer(rec, recheckAfterMs(rec.quietChecks));
      return;
    }
    // Its last write is when the camera went away.
    this.d.trigger({ action: 'remove', name: rec.name, source: 'idle', at: rec.lastWriteAt || performance.now() });
    rec.idleProbe = true;
    if (state === 'gone') this.d.writerGone(rec);
    else this.d.enqueue(rec);
  }
}
