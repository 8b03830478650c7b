/**
 * Host figures for get_metrics, read from the OS: CPU use (all cores, between two calls),
 * memory use (from MemAvailable), disk use of the file system holding a path, and the
 * number of in-flight async operations (libuv handles and requests in use).
 */
import { statfs } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { cpus, freemem, totalmem } from 'node:os';
import { dirname } from 'node:path';

interface CpuSample {
  idle: number;
  total: number;
}

function sampleCpu(): CpuSample {
  let idle = 0;
  let total = 0;
  for (const c of cpus()) {
    const t = c.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** Percent busy between two samples; 0 when no time passed. */
export function cpuPercent(a: CpuSample, b: CpuSample): number {
  const total = b.total - a.total;
  if (total <= 0) return 0;
  return round1(Math.min(100, Math.max(0, (1 - (b.idle - a.idle) / total) * 100)));
}

/** Percent of memory in use, from /proc/meminfo text (MemAvailable), else from os counters. */
export function memoryPercent(meminfo: string | undefined): number {
  const field = (name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(meminfo ?? '');
    return m ? Number(m[1]) : undefined;
  };
  const total = field('MemTotal');
  const available = field('MemAvailable');
  if (total && available !== undefined) return round1((1 - available / total) * 100);
  return round1((1 - freemem() / totalmem()) * 100);
}

export class SystemSampler {
  #cpu = sampleCpu();
  #cpuPercent = 0;

  #cpuAt = performance.now();

  /** CPU use since the previous sample (the first: since construction); sampled at most once a second (os.cpus() reads /proc synchronously). */
  cpuUsage(): number {
    const at = performance.now();
    if (at - this.#cpuAt < 1000) return this.#cpuPercent;
    this.#cpuAt = at;
    const now = sampleCpu();
    // Too short an interval (< ~100 ms of CPU time) says nothing; keep the last figure.
    if (now.total - this.#cpu.total >= 10) {
      this.#cpuPercent = cpuPercent(this.#cpu, now);
      this.#cpu = now;
    }
    return this.#cpuPercent;
  }

  // OS figures change slowly; sampling them at most once a second keeps get_metrics cheap under load.
  #memory: { at: number; value: number } | undefined;
  readonly #disk = new Map<string, { at: number; value: Promise<number> }>();

  memoryUsage(): number {
    const now = performance.now();
    if (this.#memory && now - this.#memory.at < 1000) return this.#memory.value;
    this.#memory = { at: now, value: this.#readMemory() };
    return this.#memory.value;
  }

  #readMemory(): number {
    let text: string | undefined;
    try {
      text = readFileSync('/proc/meminfo', 'utf8');
    } catch {
      text = undefined;
    }
    return memoryPercent(text);
  }

  /** Percent used of the file system holding `path` (its nearest existing ancestor); sampled at most once a second. */
  diskUsage(path: string): Promise<number> {
    const now = performance.now();
    const hit = this.#disk.get(path);
    if (hit && now - hit.at < 1000) return hit.value;
    const value = this.#readDisk(path);
    this.#disk.set(path, { at: now, value });
    return value;
  }

  async #readDisk(path: string): Promise<number> {
    let p = path;
    for (;;) {
      try {
        const s = await statfs(p);
        const total = s.blocks * s.bsize;
        if (total <= 0) return 0;
        // Used as df counts it: blocks in use over blocks usable by unprivileged users.
        const used = (s.blocks - s.bfree) * s.bsize;
        const usable = used + s.bavail * s.bsize;
        return round1(usable > 0 ? (used / usable) * 100 : 0);
      } catch (err) {
        const parent = dirname(p);
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || parent === p) return 0;
        p = parent;
      }
    }
  }

  #resources: { at: number; value: number } | undefined;

  /** libuv handles and requests in use: timers, sockets, child processes, file system requests; sampled at most once a second (one string per handle is built to count them). */
  activeResources(): number {
    const now = performance.now();
    if (this.#resources && now - this.#resources.at < 1000) return this.#resources.value;
    this.#resources = { at: now, value: process.getActiveResourcesInfo().length };
    return this.#resources.value;
  }
}
