/**
 * What discovery knows of one /dev/videoN node between events (its sysfs facts, udev
 * properties, last probe, probe state and timers), and the hotplug events ("triggers") that
 * explain a camera's change. Pure helpers over a record.
 */
import { verdictOf, type ProbedNode } from './assemble.js';
import type { SysfsNode } from './sysfs.js';
import type { PixelFormat } from './v4l2-formats.js';
import type { V4l2Info } from './v4l2-info.js';
import type { EventSource } from './watcher.js';

export interface NodeRecord {
  name: string;
  devnode: string;
  /** Bumped when the node is (re)added: probe results of an older generation are dropped. */
  gen: number;
  sys: SysfsNode | null;
  udev: Record<string, string> | undefined;
  /** Last successful probe (or, while `cached`, the result of an earlier probe of the same device). */
  probe: { info: V4l2Info; formats: PixelFormat[] } | undefined;
  /** `probe` came from the probe cache (a known camera re-plugged) and its verification is pending. */
  cached: boolean;
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
  /** Recent gaps between writes (ms): the loopback writer's pace. */
  writeGaps: number[];
  /** The pending probe was asked for because the writer fell silent. */
  idleProbe: boolean;
  /** Silence checks since the last write (v4l2loopback: the device was still ready each time). */
  quietChecks: number;
  /** Whether the node has v4l2loopback's sysfs `format` attribute (undefined: not looked yet). */
  formatAttr: boolean | undefined;
  /** The last probe of this v4l2loopback node while it was output-only (what it offers without a writer). */
  outputProbe: { info: V4l2Info; formats: PixelFormat[] } | undefined;
}

/** A hotplug event kept until the camera change it caused is applied (for the detection latency). */
export interface Trigger {
  action: 'add' | 'remove';
  name: string;
  source: EventSource;
  at: number;
}

export function newNodeRecord(name: string, devnode: string, gen: number, udev: Record<string, string> | undefined): NodeRecord {
  return {
    name,
    devnode,
    gen,
    sys: null,
    udev,
    probe: undefined,
    cached: false,
    error: undefined,
    state: 'idle',
    again: false,
    permissionAttempts: 0,
    retryTimer: undefined,
    unwatch: undefined,
    quietTimer: undefined,
    lastWriteProbe: 0,
    lastWriteAt: 0,
    writeGaps: [],
    idleProbe: false,
    quietChecks: 0,
    formatAttr: undefined,
    outputProbe: undefined,
  };
}

export const isLoopback = (r: NodeRecord): boolean => /loopback/i.test(r.probe?.info.driver ?? '');
export const kindOf = (r: NodeRecord) => (r.probe ? verdictOf({ devnode: r.devnode, probe: r.probe })?.kind : undefined);
export const isCaptureNode = (r: NodeRecord): boolean => (r.probe ? verdictOf({ devnode: r.devnode, probe: r.probe })?.capture === true : false);

/** The record as the pure assembly sees it. */
export function probedNodeOf(rec: NodeRecord): ProbedNode {
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

export type RescanDecision = 'missed_remove' | 'replaced' | 'retry' | 'none';

/**
 * What a rescan does with a known node: `listed` whether sysfs still lists it, `now` its
 * sysfs facts today. Gone: a missed removal; another device behind the same name: replaced;
 * an idle node that failed, or a loopback node (a writer may have come or gone unnoticed):
 * probed again.
 */
export function rescanDecision(rec: NodeRecord, listed: boolean, now: SysfsNode | null): RescanDecision {
  if (!listed) return 'missed_remove';
  if (rec.sys && now && (now.dev !== rec.sys.dev || now.sysfsPath !== rec.sys.sysfsPath)) return 'replaced';
  if (rec.state === 'idle' && (rec.error !== undefined || isLoopback(rec))) return 'retry';
  return 'none';
}
