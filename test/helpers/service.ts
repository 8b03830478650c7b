/**
 * Starts the real daemon (node dist/src/main.js) with a temporary config on free loopback
 * ports and a managed, real MediaMTX. Resolves when the daemon logs "service ready".
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { mintToken } from '../../src/api/auth/jwt.js';
import type { Role } from '../../src/api/auth/roles.js';
import { CameraServiceClient } from '../../src/client/index.js';
import { merge } from '../../src/lib/schema.js';
import { NODE_FLAGS } from '../../src/node-flags.js';
import { freePorts } from './ports.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const MAIN = join(ROOT, 'dist', 'src', 'main.js');
export const SECRET = 'test-secret-0123456789abcdef-0123456789';

export interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

export interface RunningService {
  proc: ChildProcess;
  port: number;
  wsUrl: string;
  httpUrl: string;
  mediamtxApiUrl: string;
  /** The managed MediaMTX's API needs the service's credentials (from its config file): headers for fetch. */
  mediamtxHeaders: Record<string, string>;
  rtspPort: number;
  /** A viewer JWT for reading media (mediamtx.media_auth: token, the default), valid for a day. */
  mediaToken: string;
  /** The RTSP URL a viewer reads `path` with: `rtsp://127.0.0.1:<port>/<path>?token=<viewer JWT>`. */
  rtspUrl(path: string): string;
  dir: string;
  config: Record<string, any>;
  logs: LogLine[];
  /** Resolves with the first log line that satisfies `match` (past or future). */
  waitForLog(match: (l: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  token(role: Role, ttlSeconds?: number): Promise<string>;
  client(role?: Role): Promise<CameraServiceClient>;
  /** SIGTERM (default) and wait for exit; removes the temp dir. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `dir`: use this state directory; `keep`: leave the directory in place on stop (for restarts). */
export async function startService(
  overrides: Record<string, unknown> = {},
  opts: { dir?: string; keep?: boolean; /** @deprecated dir + keep */ keepDir?: string; /** Wait for "service ready" (default 20 s; the VM lane runs slower). */ readyTimeoutMs?: number; /** Node flags instead of the shipped NODE_FLAGS (benchmark experiments). */ nodeFlags?: readonly string[]; /** Node binary of the service (default: this process's). */ node?: string } = {},
): Promise<RunningService> {
  if (opts.keepDir) opts = { ...opts, dir: opts.keepDir, keep: true };
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'camera-service-test-'));
  const [port, apiPort, rtspPort] = (await freePorts(3)) as [number, number, number];
  const config = merge(
    {
      server: { host: '127.0.0.1', port, heartbeat_interval_s: 30 },
      // Tests open dozens of clients at once from 127.0.0.1 (the shipped default allows 10
      // unauthenticated connections per address); test/integration/api/limits.test.ts covers the limit.
      limits: { max_unauthenticated_per_ip: 1000 },
      security: { jwt_secret: SECRET },
      mediamtx: {
        managed: true,
        api_url: `http://127.0.0.1:${apiPort}`,
        listen_host: '127.0.0.1',
        rtsp_port: rtspPort,
        rtp_port: 0,
        hls_port: 0,
        webrtc_port: 0,
        health_interval_ms: 250,
      },
      storage: { recordings_path: join(dir, 'recordings'), snapshots_path: join(dir, 'snapshots'), state_path: join(dir, 'state') },
      logging: { level: 'debug' },
    },
    overrides,
  ) as Record<string, any>;
  const file = join(dir, 'config.yaml');
  writeFileSync(file, stringify(config));
  const proc = spawn(opts.node ?? process.execPath, [...(opts.nodeFlags ?? NODE_FLAGS), MAIN, '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: LogLine[] = [];
  const waiters = new Set<{ match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }>();
  createInterface({ input: proc.stdout! }).on('line', (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      line = { level: 30, msg: text };
    }
    logs.push(line);
    for (const w of waiters) if (w.match(line)) (waiters.delete(w), w.resolve(line));
  });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );

  const waitForLog = (match: (l: LogLine) => boolean, timeoutMs = 20000) => {
    const found = logs.find(match);
    if (found) return Promise.resolve(found);
    return new Promise<LogLine>((resolve, reject) => {
      const w = { match, resolve: (l: LogLine) => (clearTimeout(timer), resolve(l)) };
      const timer = setTimeout(() => {
        waiters.delete(w);
        reject(new Error(`log line not seen within ${timeoutMs} ms; stderr: ${stderr}; last logs: ${logs.slice(-5).map((l) => JSON.stringify(l)).join('\n')}`));
      }, timeoutMs);
      waiters.add(w);
    });
  };

  await Promise.race([
    waitForLog((l) => l.msg === 'service ready', opts.readyTimeoutMs),
    exited.then(({ code }) => Promise.reject(new Error(`service exited with ${code} before ready: ${stderr}; last logs: ${logs.slice(-10).map((l) => JSON.stringify(l)).join('\n')}`))),
  ]);

  // Report what the merged config says (tests may override ports).
  const actualPort: number = config.server.port;
  // FFmpeg keeps 127 characters of URL credentials, too few for a JWT as the RTSP password: ?token= instead.
  const mediaToken = await mintToken(SECRET, { role: 'viewer', user_id: 'test-media-reader' }, 86400);
  const svc: RunningService = {
    proc,
    port: actualPort,
    wsUrl: `ws://127.0.0.1:${actualPort}/ws`,
    httpUrl: `http://127.0.0.1:${actualPort}`,
    mediamtxApiUrl: config.mediamtx.api_url,
    mediamtxHeaders: mediamtxHeadersOf(join(config.storage.state_path, 'mediamtx.yml')),
    rtspPort: config.mediamtx.rtsp_port,
    mediaToken,
    rtspUrl: (path) => `rtsp://127.0.0.1:${config.mediamtx.rtsp_port}/${path}?token=${mediaToken}`,
    dir,
    config,
    logs,
    waitForLog,
    exited,
    token: (role, ttl = 3600) => mintToken(SECRET, { role, user_id: `test-${role}` }, ttl),
    client: async (role) => {
      const c = await CameraServiceClient.connect(svc.wsUrl);
      if (role) await c.authenticate(await svc.token(role));
      return c;
    },
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const r = await exited;
      if (!opts.keep) rmSync(dir, { recursive: true, force: true });
      return r;
    },
  };
  return svc;
}

/** Basic-auth headers for the managed MediaMTX's API, read from the config file the service wrote ({} when there is none). */
export function mediamtxHeadersOf(file: string): Record<string, string> {
  let doc: { authInternalUsers?: { user: string; pass: string; permissions: { action: string }[] }[] };
  try {
    doc = parse(readFileSync(file, 'utf8')) as typeof doc;
  } catch {
    return {};
  }
  const u = doc.authInternalUsers?.find((x) => x.pass !== '' && x.permissions.some((p) => p.action === 'api'));
  return u ? { authorization: `Basic ${Buffer.from(`${u.user}:${u.pass}`).toString('base64')}` } : {};
}

/** Pids of every process whose command line contains every one of `needles`. */
export function processesMatching(...needles: string[]): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (needles.every((n) => cmd.includes(n))) out.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return out;
}


/** Polls `probe` until it returns true; for observing another process's state. */
export async function until(probe: () => boolean | Promise<boolean>, timeoutMs: number, what: string, everyMs = 25): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (await probe()) return Date.now() - start;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
