/**
 * What the bench measures: this service, started fresh from dist/ with a real managed
 * MediaMTX on free loopback ports (test/helpers/service.ts), or another server of the
 * same contract at a URL (comparison mode).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Role } from '../../src/api/auth/roles.js';
import { configSchema } from '../../src/config/schema.js';
import { merge } from '../../src/lib/schema.js';
import { startService, type RunningService } from '../../test/helpers/service.js';
import { descendants, type ProcInfo } from './procfs.js';

/** Where fresh services find the encoded test-pattern loops of earlier runs. */
const LOOP_CACHE = join(tmpdir(), 'camera-service-bench-test-loops');

export interface Subject {
  kind: 'self' | 'target';
  name: string;
  url: string;
  /** Base http:// URL of the same listener (for /openrpc.json). */
  httpUrl: string;
  /** The server process, when it can be observed through /proc. */
  pid: number | undefined;
  token(role: Role): Promise<string>;
  /** Child processes of the server (MediaMTX, FFmpeg, ...). */
  children(): ProcInfo[];
  /** The self subject's data directory. */
  dir?: string;
  /** The managed MediaMTX's API (self only) and the headers it needs (its credentials). */
  mediamtxApiUrl?: string;
  mediamtxHeaders?: Record<string, string>;
  stop(): Promise<void>;
}

export interface SelfOptions {
  /** Files to place in the recordings directory before start (named like recordings). */
  recordingFiles?: number;
  overrides?: Record<string, unknown>;
  /** Environment for the service process only (e.g. NODE_OPTIONS for tuning experiments). */
  env?: Record<string, string>;
  /** Node flags instead of the shipped ones (src/node-flags.ts), for tuning experiments. */
  nodeFlags?: readonly string[];
  /** Node binary of the started service (default: the bench's own). */
  node?: string;
}

/** Places `n` one-byte files named `<camera>_<YYYY-MM-DD_HH-MM-SS>.mp4`, one minute apart. */
export function fillRecordings(dir: string, n: number): void {
  mkdirSync(dir, { recursive: true });
  const t0 = Date.UTC(2026, 0, 1);
  for (let i = 0; i < n; i++) {
    const t = new Date(t0 + i * 60_000);
    const stamp = t.toISOString().slice(0, 19).replace('T', '_').replace(/:/g, '-');
    const file = join(dir, `camera${i % 16}_${stamp}.mp4`);
    writeFileSync(file, 'x');
    utimesSync(file, t, t);
  }
}

/**
 * Config for a bench run: info logs, and the service's own protective limits (connections,
 * per-address connections, request rate) raised far above the load, because the bench
 * measures capacity, not the limiter. Only keys this build's schema has are set.
 */
export function benchConfig(): Record<string, unknown> {
  const limits = configSchema.properties?.limits?.properties ?? {};
  const high: Record<string, number> = { max_connections: 100000, max_connections_per_ip: 100000, max_unauthenticated_connections: 100000, max_unauthenticated_per_ip: 100000, requests_per_second: 100000, request_burst: 100000 };
  const raised = Object.fromEntries(Object.entries(high).filter(([k]) => k in limits));
  // The test helper polls MediaMTX every 250 ms; the bench measures the shipped default.
  const health = configSchema.properties?.mediamtx?.properties?.health_interval_ms?.default;
  return {
    logging: { level: 'info' },
    ...(Object.keys(raised).length ? { limits: raised } : {}),
    ...(typeof health === 'number' ? { mediamtx: { health_interval_ms: health } } : {}),
  };
}

/** Config overrides for `n` test-pattern cameras named `<prefix>0..`, or undefined when this build has none. */
export function testCameraConfig(n: number, prefix = 'bench'): Record<string, unknown> | undefined {
  if (!configSchema.properties?.test_cameras?.properties?.patterns) return undefined;
  return { test_cameras: { patterns: Array.from({ length: n }, (_, i) => ({ name: `${prefix}${i}` })) } };
}

export async function startSelf(opts: SelfOptions = {}): Promise<Subject> {
  const dir = mkdtempSync(join(tmpdir(), 'camera-service-bench-'));
  if (opts.recordingFiles) fillRecordings(join(dir, 'recordings'), opts.recordingFiles);
  // Test-pattern loops are encoded once per state directory; share one across fresh services.
  mkdirSync(join(dir, 'state', 'cache'), { recursive: true });
  mkdirSync(LOOP_CACHE, { recursive: true });
  symlinkSync(LOOP_CACHE, join(dir, 'state', 'cache', 'test-loops'));
  let svc: RunningService;
  // The helper spawns the service with this process's environment: set the extra variables
  // around the call only (the generator was forked before and keeps its own).
  const saved = Object.fromEntries(Object.keys(opts.env ?? {}).map((k) => [k, process.env[k]]));
  Object.assign(process.env, opts.env);
  try {
    svc = await startService(merge(benchConfig(), opts.overrides ?? {}) as Record<string, unknown>, { keepDir: dir, ...(opts.nodeFlags ? { nodeFlags: opts.nodeFlags } : {}), ...(opts.node ? { node: opts.node } : {}) });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  const pid = svc.proc.pid!;
  return {
    kind: 'self',
    name: 'camera-service',
    url: svc.wsUrl,
    httpUrl: svc.httpUrl,
    pid,
    token: (role) => svc.token(role, 24 * 3600),
    children: () => descendants(pid),
    dir,
    mediamtxApiUrl: svc.mediamtxApiUrl,
    mediamtxHeaders: svc.mediamtxHeaders,
    stop: async () => {
      await svc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function targetSubject(url: string, token: string, pid: number | undefined): Subject {
  const u = new URL(url);
  return {
    kind: 'target',
    name: `target ${u.host}`,
    url,
    httpUrl: `http://${u.host}`,
    pid,
    token: async () => token,
    children: () => (pid ? descendants(pid) : []),
    stop: async () => undefined,
  };
}

/** Load is only ever sent to this machine. */
export function isLoopback(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Local addresses to spread `count` connections over: 127.0.0.1, .2, ... when the target is on 127.0.0.0/8. */
export function sourceAddresses(url: string, count: number, perAddress = 200): string[] {
  const host = new URL(url).hostname;
  if (!/^127\./.test(host)) return [];
  const n = Math.min(250, Math.ceil(count / perAddress));
  return n <= 1 ? [] : Array.from({ length: n }, (_, i) => `127.0.0.${i + 1}`);
}
