/**
 * Memory and CPU of the whole service as systemd sees it: its control group (the service, its
 * FFmpeg children and a managed MediaMTX), against the group's limits (MemoryMax=, CPUQuota=)
 * or the machine's when none is set. The alert rules compare usage to limit; per-process
 * figures of the Node process itself come from prom-client's default metrics.
 *
 * Read at scrape time from cgroup v2 (`memory.current`, `memory.max`, `cpu.stat`, `cpu.max`),
 * cgroup v1 (`memory.usage_in_bytes`, `cpuacct.usage`, `cpu.cfs_quota_us`, ...) or, where
 * neither is readable, the service process (RSS, process.cpuUsage).
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { join } from 'node:path';
import { Counter, Gauge, type Registry } from '../lib/deps/prom-client.js';

/** Control-group paths of this process from /proc/self/cgroup. Pure. */
export function parseProcCgroup(text: string): { unified?: string; v1: Map<string, string> } {
  let unified: string | undefined;
  const v1 = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    const [, id, controllers, path] = m as unknown as [string, string, string, string];
    if (id === '0' && controllers === '') unified = path;
    else for (const c of controllers.split(',')) if (c) v1.set(c, path);
  }
  return unified === undefined ? { v1 } : { unified, v1 };
}

/** A cgroup limit file's value in bytes or cores; undefined when unlimited. Pure. */
export function parseMemoryLimit(text: string): number | undefined {
  const v = text.trim();
  if (v === 'max' || v === '') return undefined;
  const n = Number(v);
  // cgroup v1 reports "unlimited" as a page-aligned value near 2^63.
  return Number.isFinite(n) && n > 0 && n < 2 ** 62 ? n : undefined;
}

/** cgroup v2 `cpu.max` ("max 100000" or "150000 100000") as cores; undefined when unlimited. Pure. */
export function parseCpuMax(text: string): number | undefined {
  const [quota, period] = text.trim().split(/\s+/);
  if (!quota || quota === 'max') return undefined;
  const q = Number(quota);
  const p = Number(period ?? 100000);
  return q > 0 && p > 0 ? q / p : undefined;
}

/** `usage_usec` of a cgroup v2 `cpu.stat`, in seconds. Pure. */
export function parseCpuStat(text: string): number | undefined {
  const m = /^usage_usec (\d+)$/m.exec(text);
  return m ? Number(m[1]) / 1e6 : undefined;
}

export interface ResourceSource {
  memoryBytes(): number;
  memoryLimitBytes(): number;
  cpuSeconds(): number;
  cpuLimitCores(): number;
  /** Where the figures come from: cgroup2, cgroup1 or process. */
  readonly kind: 'cgroup2' | 'cgroup1' | 'process';
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Finds this process's control group under `root` (normally /sys/fs/cgroup). */
export function resourceSource(
  root = '/sys/fs/cgroup',
  procCgroup = read('/proc/self/cgroup') ?? '',
  machine = { memory: totalmem(), cores: availableParallelism() },
): ResourceSource {
  const { unified, v1 } = parseProcCgroup(procCgroup);
  const processCpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const atMost = (limit: number | undefined, machineLimit: number) => (limit === undefined ? machineLimit : Math.min(limit, machineLimit));

  if (unified !== undefined && read(join(root, unified, 'memory.current')) !== undefined) {
    const dir = join(root, unified);
    return {
      kind: 'cgroup2',
      memoryBytes: () => Number(read(join(dir, 'memory.current')) ?? process.memoryUsage.rss()),
      memoryLimitBytes: () => atMost(parseMemoryLimit(read(join(dir, 'memory.max')) ?? 'max'), machine.memory),
      cpuSeconds: () => parseCpuStat(read(join(dir, 'cpu.stat')) ?? '') ?? processCpu(),
      cpuLimitCores: () => atMost(parseCpuMax(read(join(dir, 'cpu.max')) ?? 'max'), machine.cores),
    };
  }
  // cgroup v1: each controller has its own hierarchy. Inside containers the listed path may not
  // exist in the container's view, where the mount point itself is the container's group.
  const v1dir = (controller: string, file: string) => {
    const path = v1.get(controller);
    if (path === undefined) return undefined;
    for (const dir of [join(root, controller, path), join(root, controller)]) if (read(join(dir, file)) !== undefined) return dir;
    return undefined;
  };
  const mem = v1dir('memory', 'memory.usage_in_bytes');
  if (mem) {
    const acct = v1dir('cpuacct', 'cpuacct.usage');
    const cpu = v1dir('cpu', 'cpu.cfs_quota_us');
    return {
      kind: 'cgroup1',
      memoryBytes: () => Number(read(join(mem, 'memory.usage_in_bytes')) ?? process.memoryUsage.rss()),
      memoryLimitBytes: () => atMost(parseMemoryLimit(read(join(mem, 'memory.limit_in_bytes')) ?? ''), machine.memory),
      cpuSeconds: () => {
        const ns = acct ? read(join(acct, 'cpuacct.usage')) : undefined;
        return ns ? Number(ns) / 1e9 : processCpu();
      },
      cpuLimitCores: () => {
        const quota = cpu ? Number(read(join(cpu, 'cpu.cfs_quota_us'))) : -1;
        const period = cpu ? Number(read(join(cpu, 'cpu.cfs_period_us'))) : 0;
        return atMost(quota > 0 && period > 0 ? quota / period : undefined, machine.cores);
      },
    };
  }
  return {
    kind: 'process',
    memoryBytes: () => process.memoryUsage.rss(),
    memoryLimitBytes: () => machine.memory,
    cpuSeconds: processCpu,
    cpuLimitCores: () => machine.cores,
  };
}

/** Registers the four resource metrics on `registry`; values are read when Prometheus scrapes. */
export function registerResourceMetrics(registry: Registry, prefix: string, source: ResourceSource = resourceSource()): void {
  const registers = [registry];
  new Gauge({
    name: `${prefix}memory_usage_bytes`,
    help: `Memory used by the service's control group: the service, FFmpeg and a managed MediaMTX (source: ${source.kind})`,
    registers,
    collect() {
      this.set(source.memoryBytes());
    },
  });
  new Gauge({
    name: `${prefix}memory_limit_bytes`,
    help: "Memory limit of the service's control group (MemoryMax=), or the machine's memory when lower or unset",
    registers,
    collect() {
      this.set(source.memoryLimitBytes());
    },
  });
  let lastCpu = source.cpuSeconds();
  new Counter({
    name: `${prefix}cpu_usage_seconds_total`,
    help: `CPU time used by the service's control group: the service, FFmpeg and a managed MediaMTX (source: ${source.kind})`,
    registers,
    collect() {
      const now = source.cpuSeconds();
      if (now > lastCpu) this.inc(now - lastCpu);
      lastCpu = Math.max(lastCpu, now);
    },
  });
  new Gauge({
    name: `${prefix}cpu_limit_cores`,
    help: "CPU cores the service's control group may use (CPUQuota=), or the machine's CPUs when lower or unset",
    registers,
    collect() {
      this.set(source.cpuLimitCores());
    },
  });
}
