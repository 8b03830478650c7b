/** Reads another process's memory, CPU time, open files and children from /proc (Linux). */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** A field of /proc/<pid>/status in kB (VmRSS, VmHWM, ...); NaN when the process is gone. */
export function statusKb(pid: number, field: 'VmRSS' | 'VmHWM' | 'RssAnon' | 'RssFile'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export const rssMb = (pid: number): number => statusKb(pid, 'VmRSS') / 1024;

const TICKS_PER_SECOND = 100; // USER_HZ on every Linux ABI Node runs on

/** utime + stime of the process (not its children), in seconds. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU use between two calls, in percent of one core (200 % = both cores of a 2-core machine),
 * of one process or of a set of processes summed (processes present at both ends only).
 */
export function cpuMeter(which: number | (() => number[])): () => number {
  const pids = typeof which === 'number' ? () => [which] : which;
  const read = () => new Map(pids().map((p) => [p, cpuSeconds(p)] as const));
  let t0 = performance.now();
  let c0 = read();
  return () => {
    const t1 = performance.now();
    const c1 = read();
    let used = 0;
    for (const [p, c] of c1) {
      const b = c0.get(p);
      if (b !== undefined && Number.isFinite(b) && Number.isFinite(c)) used += c - b;
    }
    const pct = (used / ((t1 - t0) / 1000)) * 100;
    t0 = t1;
    c0 = c1;
    return pct;
  };
}

export function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return Number.NaN;
  }
}

function tcpSockets(pid: number): Map<string, string> {
  const out = new Map<string, string>();
  const hexAddr = (h: string) => {
    const [ip, port] = h.split(':') as [string, string];
    const v4 = ip.length === 8 ? (ip.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)).join('.') : `[${ip}]`;
    return `${v4}:${parseInt(port, 16)}`;
  };
  for (const table of ['tcp', 'tcp6']) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9) out.set(f[9]!, `tcp ${hexAddr(f[1]!)} → ${hexAddr(f[2]!)}`);
    }
  }
  return out;
}

/** What each open fd of `pid` is: a path, `pipe:[…]`, or a TCP socket's addresses where known. */
export function fdTargets(pid: number): string[] {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  const tcp = tcpSockets(pid);
  return fds.map((fd) => {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      return inode && tcp.has(inode) ? tcp.get(inode)! : target.replace(/\[\d+\]$/, '');
    } catch {
      return 'gone';
    }
  });
}

/** Items of `after` not in `before`, counting duplicates. */
export function added(before: string[], after: string[]): string[] {
  const left = new Map<string, number>();
  for (const b of before) left.set(b, (left.get(b) ?? 0) + 1);
  return after.filter((a) => {
    const n = left.get(a) ?? 0;
    if (n > 0) left.set(a, n - 1);
    return n === 0;
  });
}

export interface ProcInfo {
  pid: number;
  ppid: number;
  comm: string;
}

function procInfo(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const f = stat.slice(close + 2).split(' ');
    return { pid, ppid: Number(f[1]), comm: stat.slice(stat.indexOf('(') + 1, close) };
  } catch {
    return undefined;
  }
}

/** Every descendant of `pid` (children, grandchildren, ...). */
export function descendants(pid: number): ProcInfo[] {
  const all: ProcInfo[] = [];
  for (const e of readdirSync('/proc')) if (/^\d+$/.test(e)) {
    const p = procInfo(Number(e));
    if (p) all.push(p);
  }
  const out: ProcInfo[] = [];
  const parents = new Set([pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of all) if (parents.has(p.ppid) && !parents.has(p.pid)) {
      parents.add(p.pid);
      out.push(p);
      grew = true;
    }
  }
  return out;
}

/** The soft and hard RLIMIT_NOFILE of this process. */
export function fileLimit(): { soft: number; hard: number } {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files')) ?? '';
  const [soft, hard] = line.replace('Max open files', '').trim().split(/\s+/);
  const num = (s: string | undefined) => (s === 'unlimited' ? Number.POSITIVE_INFINITY : Number(s));
  return { soft: num(soft), hard: num(hard) };
}
