/** Helpers for the media integration tests: ffprobe of files, raw HTTP, tmpfs volumes, killing a daemon's tree. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import type { TestContext } from 'node:test';
import { processesMatching, type RunningService } from '../../helpers/service.js';

export const SMALL = { width: 320, height: 240, fps: 15 };

/** Seconds of media ffprobe reads from a file (format duration; null when it cannot read it). */
export function probeSeconds(file: string): number | null {
  const r = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  const v = Number(r.stdout.trim());
  return r.status === 0 && r.stdout.trim() !== '' && Number.isFinite(v) ? v : null;
}

/** Decodes every frame of a file; returns the number of decoded video frames (0 when unreadable). */
export function decodedFrames(file: string): number {
  const r = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-count_frames', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim()) || 0 : 0;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** An HTTP request with the target sent exactly as given (no URL normalization). */
export function rawRequest(port: number, target: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: opts.method ?? 'GET', path: target, headers: opts.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Cleanups run last-registered first (t.after runs in registration order). */
export function deferrer(t: TestContext): (fn: () => unknown) => void {
  const fns: (() => unknown)[] = [];
  t.after(async () => {
    for (const fn of fns.reverse()) await fn();
  });
  return (fn) => void fns.push(fn);
}

/** Mounts a tmpfs of `size` (e.g. '8m') at `dir`; `defer` unmounts it. */
export function tmpfs(defer: (fn: () => unknown) => void, dir: string, size: string): void {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  defer(() => spawnSync('umount', [dir]));
}

/**
 * kill -9 of the daemon and of every process it started (MediaMTX, FFmpeg publishers,
 * recorders, taps, hooks), as a power cut or systemd's control-group kill would.
 */
export async function killDaemonTree(svc: RunningService): Promise<void> {
  const pids = new Set([svc.proc.pid!, ...processesMatching(svc.dir), ...processesMatching(`:${svc.rtspPort}/`), ...processesMatching(`127.0.0.1 ${svc.port} `)]);
  // Freeze the whole tree first, then kill it: otherwise an FFmpeg may see its pipe to the
  // dead daemon break before its own SIGKILL arrives and finish its file cleanly.
  for (const signal of ['SIGSTOP', 'SIGKILL'] as const) {
    for (const pid of pids) {
      try {
        process.kill(pid, signal);
      } catch {
        // gone
      }
    }
  }
  await svc.exited;
  const deadline = Date.now() + 5000;
  while ([...pids].some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = spawnSync('cat', [`/proc/${pid}/stat`], { encoding: 'utf8' }).stdout;
    return !/\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

/** p-th percentile (0..100) of numbers. */
export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export interface Note {
  method: string;
  params: any;
}

/**
 * How long a test waits for a notification by default. start_recording answers before the
 * recorder's first frame, which may come up to recording.start_timeout_ms (20 s) later (the
 * first start of a test-pattern camera encodes its loop, slow on a busy host): a wait for
 * progress must outlast that bound, or it fails a recording the service has not given up on.
 */
export const NOTIFICATION_WAIT_MS = 45_000;

/** Records every notification a client receives; wait() finds past or future ones. */
export function collect(client: { on(event: 'notification', l: (method: string, params: unknown) => void): unknown }) {
  const seen: Note[] = [];
  const waiters = new Set<{ match: (n: Note) => boolean; resolve: (n: Note) => void }>();
  client.on('notification', (method, params) => {
    const n = { method, params: params as any };
    seen.push(n);
    for (const w of waiters) if (w.match(n)) (waiters.delete(w), w.resolve(n));
  });
  return {
    seen,
    of: (method: string) => seen.filter((n) => n.method === method).map((n) => n.params),
    wait(method: string, match: (params: any) => boolean = () => true, timeoutMs = NOTIFICATION_WAIT_MS): Promise<any> {
      const m = (n: Note) => n.method === method && match(n.params);
      const found = seen.find(m);
      if (found) return Promise.resolve(found.params);
      return new Promise((resolve, reject) => {
        const w = { match: m, resolve: (n: Note) => (clearTimeout(timer), resolve(n.params)) };
        const timer = setTimeout(() => (waiters.delete(w), reject(new Error(`no ${method} notification within ${timeoutMs} ms; seen: ${seen.map((s) => `${s.method}:${JSON.stringify(s.params).slice(0, 120)}`).join('\n')}`))), timeoutMs);
        waiters.add(w);
      });
    },
  };
}

/** The path of a `download_url` without its signature query. */
export const pathOf = (url: string): string => url.split('?', 1)[0]!;
