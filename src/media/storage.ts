/**
 * Disk space: statfs of the recordings (and snapshots) file system every `check_interval_ms`,
 * the low-space warning (usage ≥ `low_space_percent`) and the free-space floor
 * (`min_free_bytes`), plus the directory sizes, recomputed in the background and on demand
 * after files come and go.
 */
import { EventEmitter } from 'node:events';
import { statfs } from 'node:fs/promises';

export interface FsSpace {
  total: number;
  used: number;
  available: number;
  /** Used share of the space available to the service (like df), 0..100. */
  usagePercent: number;
}

export interface StorageInfo {
  total_space: number;
  used_space: number;
  available_space: number;
  usage_percentage: number;
  recordings_size: number;
  snapshots_size: number;
  low_space_warning: boolean;
}

export interface StorageEvents {
  /** Usage crossed the low-space threshold (upwards). */
  low_space: [info: StorageInfo];
  /** Free space of the recordings file system fell below the floor (each check while below). */
  below_floor: [space: FsSpace];
}

export interface StorageOptions {
  recordingsDir: string;
  snapshotsDir: string;
  lowSpacePercent: number;
  minFreeBytes: number;
  checkIntervalMs: number;
  sizeRefreshMs: number;
  /** Directory sizes (bytes). */
  sizes(): Promise<{ recordings: number; snapshots: number }>;
  onError?(err: Error): void;
}

/** Pure: the figures of a statfs result. */
export function spaceOf(s: { bsize: number; blocks: number; bfree: number; bavail: number }): FsSpace {
  const total = s.blocks * s.bsize;
  const used = (s.blocks - s.bfree) * s.bsize;
  const available = s.bavail * s.bsize;
  const usable = used + available;
  const usagePercent = usable > 0 ? Math.round((used / usable) * 10000) / 100 : 0;
  return { total, used, available, usagePercent };
}

export async function measure(dir: string): Promise<FsSpace> {
  return spaceOf(await statfs(dir));
}

export class StorageMonitor extends EventEmitter<StorageEvents> {
  #space: FsSpace | undefined;
  #sizes = { recordings: 0, snapshots: 0 };
  #low = false;
  #checkTimer: NodeJS.Timeout | undefined;
  #sizeTimer: NodeJS.Timeout | undefined;
  #sizing: Promise<void> | undefined;

  constructor(private readonly o: StorageOptions) {
    super();
  }

  get limits(): { lowSpacePercent: number; minFreeBytes: number } {
    return { lowSpacePercent: this.o.lowSpacePercent, minFreeBytes: this.o.minFreeBytes };
  }

  async start(): Promise<void> {
    await Promise.all([this.check(), this.refreshSizes()]);
    this.#checkTimer = setInterval(() => void this.check(), this.o.checkIntervalMs);
    this.#checkTimer.unref();
    this.#sizeTimer = setInterval(() => void this.refreshSizes(), this.o.sizeRefreshMs);
    this.#sizeTimer.unref();
  }

  stop(): void {
    clearInterval(this.#checkTimer);
    clearInterval(this.#sizeTimer);
  }

  /** Measures now; emits low_space / below_floor. */
  async check(): Promise<FsSpace | undefined> {
    let space: FsSpace;
    try {
      space = await measure(this.o.recordingsDir);
    } catch (err) {
      this.o.onError?.(err as Error);
      return undefined;
    }
    this.#space = space;
    const low = space.usagePercent >= this.o.lowSpacePercent;
    if (low && !this.#low) {
      this.#low = true;
      this.emit('low_space', this.info());
    } else if (!low) this.#low = false;
    if (space.available < this.o.minFreeBytes) this.emit('below_floor', space);
    return space;
  }

  /**
   * Whether a new file may be written to `dir` (fresh statfs): undefined when it may, else
   * the reason with the figures.
   */
  async refusal(dir: string): Promise<string | undefined> {
    const space = await measure(dir);
    if (space.available >= this.o.minFreeBytes) return undefined;
    return `${space.available} bytes free, below the floor of ${this.o.minFreeBytes} bytes (storage.min_free_bytes)`;
  }

  /** Recomputes the directory sizes (coalesced). */
  refreshSizes(): Promise<void> {
    this.#sizing ??= this.o
      .sizes()
      .then(
        (s) => void (this.#sizes = s),
        (err: Error) => this.o.onError?.(err),
      )
      .finally(() => (this.#sizing = undefined));
    return this.#sizing;
  }

  info(): StorageInfo {
    const s = this.#space ?? { total: 0, used: 0, available: 0, usagePercent: 0 };
    return {
      total_space: s.total,
      used_space: s.used,
      available_space: s.available,
      usage_percentage: s.usagePercent,
      recordings_size: this.#sizes.recordings,
      snapshots_size: this.#sizes.snapshots,
      low_space_warning: s.usagePercent >= this.o.lowSpacePercent,
    };
  }
}
