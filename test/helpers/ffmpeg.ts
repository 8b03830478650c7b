/**
 * Helpers for the FFmpeg integration tests: finding a supervisor's processes in the process
 * table, awaiting events with a safety timeout, free ports, a throwaway MediaMTX, ffprobe.
 */
import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { ManagedChild } from '../../src/process/child-process.js';
import { runFfmpegOnce } from '../../src/streaming/ffmpeg/one-shot.js';

export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'ffmpeg-templates'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('repository root not found');
    dir = parent;
  }
  return dir;
}

export const MARK_VAR = 'CAMERA_SERVICE_TEST_MARK';

/** A unique environment marker: every process started with `env` carries it. */
export function marker(): { id: string; env: NodeJS.ProcessEnv } {
  const id = randomUUID();
  return { id, env: { ...process.env, [MARK_VAR]: id } };
}

/** Pids of live (non-zombie) processes whose environment carries the marker. */
export function processesWithMark(id: string): number[] {
  const needle = `${MARK_VAR}=${id}`;
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state === 'Z' || state === 'X') continue;
      const env = readFileSync(`/proc/${name}/environ`, 'latin1').split('\0');
      if (env.includes(needle)) pids.push(Number(name));
    } catch {
      // gone meanwhile, or not readable
    }
  }
  return pids;
}

/** SIGKILLs every process carrying the marker (cleanup after a failed test); returns their pids. */
export function killMarked(id: string): number[] {
  const pids = processesWithMark(id);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return pids;
}

/** Samples the process table every `intervalMs` and remembers the largest count seen. */
export class ProcessSampler {
  max = 0;
  samples = 0;
  readonly #timer: NodeJS.Timeout;
  constructor(
    readonly id: string,
    intervalMs = 15,
  ) {
    this.#timer = setInterval(() => this.sample(), intervalMs);
  }
  sample(): number {
    const n = processesWithMark(this.id).length;
    this.samples++;
    if (n > this.max) this.max = n;
    return n;
  }
  stop(): void {
    clearInterval(this.#timer);
  }
}

/**
 * Resolves with the arguments of the first `event` for which `predicate` holds. The timeout is
 * a safety net that turns a hang into a failure, not a delay.
 */
export function nextEvent<E extends EventEmitter<any>, A extends unknown[] = any[]>(
  emitter: E,
  event: string,
  predicate: (...args: A) => boolean = () => true,
  timeoutMs = 15_000,
): Promise<A> {
  return new Promise((resolve, reject) => {
    const em = emitter as unknown as EventEmitter;
    const onEvent = (...args: unknown[]): void => {
      if (!predicate(...(args as A))) return;
      clearTimeout(timer);
      em.off(event, onEvent);
      resolve(args as A);
    };
    const timer = setTimeout(() => {
      em.off(event, onEvent);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for "${event}"`));
    }, timeoutMs);
    em.on(event, onEvent);
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export function tempDir(t: TestContext, prefix = 'camera-service-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface TestMediamtx {
  rtspPort: number;
  apiPort: number;
  rtspUrl(path: string): string;
  api(path: string): Promise<unknown>;
  child: ManagedChild;
}

/**
 * Starts the provisioned MediaMTX with a minimal config, on free ports unless given (to bring
 * one back on the ports of a killed one); stopped by t.after.
 */
export async function startMediamtx(t: TestContext, ports: { rtspPort?: number; apiPort?: number } = {}): Promise<TestMediamtx> {
  const binary = execFileSync(join(repoRoot(), 'scripts', 'provision-mediamtx.sh'), { encoding: 'utf8' }).trim();
  const dir = tempDir(t, 'mediamtx-');
  const rtspPort = ports.rtspPort ?? (await freePort());
  const apiPort = ports.apiPort ?? (await freePort());
  const config = join(dir, 'mediamtx.yml');
  writeFileSync(
    config,
    [
      'logLevel: info',
      'api: yes',
      `apiAddress: 127.0.0.1:${apiPort}`,
      `rtspAddress: 127.0.0.1:${rtspPort}`,
      'rtspTransports: [tcp]',
      'rtmp: no',
      'hls: no',
      'webrtc: no',
      'srt: no',
      'moq: no',
      'paths:',
      '  all_others: {}',
      '',
    ].join('\n'),
  );
  const child = new ManagedChild({ argv: [binary, config], keepLines: 200 });
  t.after(() => child.stop(2000));
  const ready = (what: string) =>
    nextEvent(child, 'line', (_s: string, line: string) => line.includes(`[${what}] started with listener`), 10_000);
  const exited = nextEvent(child, 'exit', () => true, 10_000).then(() => {
    throw new Error(`MediaMTX exited: ${child.lines.join('\n')}`);
  });
  await Promise.race([Promise.all([ready('RTSP'), ready('API')]), exited]);
  exited.catch(() => {});
  return {
    rtspPort,
    apiPort,
    child,
    rtspUrl: (path) => `rtsp://127.0.0.1:${rtspPort}/${path}`,
    api: async (path) => {
      const res = await fetch(`http://127.0.0.1:${apiPort}${path}`);
      if (!res.ok) throw new Error(`MediaMTX API ${path}: ${res.status}`);
      return res.json();
    },
  };
}

export interface ProbedStream {
  codec_name: string;
  width?: number;
  height?: number;
}

/** The video stream of a URL or file, as ffprobe sees it. */
export async function ffprobe(input: string): Promise<ProbedStream> {
  const args = ['ffprobe', '-v', 'error'];
  // Small probe sizes: the stream parameters are in the RTSP session description anyway.
  if (input.startsWith('rtsp')) args.push('-rtsp_transport', 'tcp', '-analyzeduration', '500000', '-probesize', '500000');
  args.push('-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height', '-of', 'json', input);
  const r = await runFfmpegOnce(args, { timeoutMs: 15_000, keepLines: 500 });
  if (!r.ok) throw new Error(`ffprobe ${input}: ${r.summary}\n${r.stderr.join('\n')}`);
  const stream = (JSON.parse(r.stdout.join('\n')) as { streams: ProbedStream[] }).streams[0];
  if (!stream) throw new Error(`ffprobe ${input}: no video stream`);
  return stream;
}
