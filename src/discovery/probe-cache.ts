/**
 * Probe results of nodes seen before in this run, keyed by what sysfs says about the node
 * before anyone opens it (pure): a known camera re-plugged (same parent device path, same
 * node name attribute and index, same USB ids and serial) is announced with these results at
 * once and re-probed in the background. v4l2loopback nodes are never cached: what they offer
 * depends on their writer.
 */
import type { SysfsNode } from './sysfs.js';
import type { PixelFormat } from './v4l2-formats.js';
import type { V4l2Info } from './v4l2-info.js';

export interface CachedProbe {
  info: V4l2Info;
  formats: PixelFormat[];
}

/** The node's sysfs facts that tell one device's node from another's; null when sysfs says too little. */
export function sysfsFingerprint(sys: SysfsNode | null): string | null {
  if (!sys || sys.label === null) return null;
  return JSON.stringify([sys.sysfsPath, sys.label, sys.index, sys.usb?.vendorId ?? null, sys.usb?.productId ?? null, sys.usb?.serial ?? null]);
}

export const cacheableProbe = (p: CachedProbe): boolean => !/loopback/i.test(p.info.driver ?? '');

/** Whether two probes of a node say the same (a background re-probe confirmed the cached result). */
export const sameProbe = (a: CachedProbe | undefined, b: CachedProbe | undefined): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * A udev `remove` for a name whose node exists again and whose record belongs to another device
 * (its parent device path does not contain the event's DEVPATH): the event is about the node
 * that had the name before, and a faster signal (inotify) already removed it.
 */
export function isStaleRemove(sys: SysfsNode | null, devpath: string | undefined, nodeExists: boolean): boolean {
  if (!nodeExists || !sys || !devpath) return false;
  return !`/sys${devpath}/`.startsWith(`${sys.sysfsPath}/`);
}

export class ProbeCache {
  readonly #byPrint = new Map<string, CachedProbe>();

  get(sys: SysfsNode | null): CachedProbe | undefined {
    const key = sysfsFingerprint(sys);
    return key === null ? undefined : this.#byPrint.get(key);
  }

  /** Remembers a successful probe (not of a loopback node). */
  set(sys: SysfsNode | null, probe: CachedProbe): void {
    const key = sysfsFingerprint(sys);
    if (key === null) return;
    if (cacheableProbe(probe)) this.#byPrint.set(key, probe);
    else this.#byPrint.delete(key);
  }

  get size(): number {
    return this.#byPrint.size;
  }
}
