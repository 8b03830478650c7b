/**
 * Runs an FFmpeg command to completion (snapshots, clip generation, probes) with a time
 * limit: on timeout the process group gets SIGTERM, then SIGKILL after the grace period.
 */
import { ManagedChild, type ChildExit } from '../../process/child-process.js';
import { classifyStderr, describeError, type ClassifiedError } from './stderr.js';

export interface OneShotOptions {
  /** Time limit in ms (default 15000). */
  timeoutMs?: number;
  /** SIGTERM -> SIGKILL grace in ms (default 1000). */
  graceMs?: number;
  /** Aborting stops the process like a timeout. */
  signal?: AbortSignal;
  /** Lines kept per stream (default 50). */
  keepLines?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface OneShotResult {
  /** Exit code 0 within the time limit. */
  ok: boolean;
  exit: ChildExit;
  timedOut: boolean;
  aborted: boolean;
  error: ClassifiedError | null;
  /** e.g. "exit code 1: connection refused" */
  summary: string;
  stdout: string[];
  stderr: string[];
  durationMs: number;
}

export async function runFfmpegOnce(argv: readonly string[], opts: OneShotOptions = {}): Promise<OneShotResult> {
  const keep = opts.keepLines ?? 50;
  const started = Date.now();
  const stdout: string[] = [];
  const stderr: string[] = [];
  let spawnError: Error | undefined;
  const child = new ManagedChild({ argv, env: opts.env, cwd: opts.cwd, keepLines: 1 });
  child.on('line', (stream, line) => {
    const ring = stream === 'stdout' ? stdout : stderr;
    ring.push(line);
    if (ring.length > keep) ring.shift();
  });
  child.on('error', (err) => {
    spawnError = err;
  });
  const done = new Promise<ChildExit>((resolve) => child.once('exit', resolve));

  let timedOut = false;
  let aborted = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void child.stop(opts.graceMs ?? 1000);
  }, opts.timeoutMs ?? 15_000);
  const onAbort = (): void => {
    aborted = true;
    void child.stop(opts.graceMs ?? 1000);
  };
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });
  let exit: ChildExit;
  try {
    exit = await done;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }

  const error = classifyStderr(stderr) ?? null;
  let summary: string;
  if (child.pid === undefined) summary = `could not start ${argv[0]}: ${spawnError?.message ?? 'spawn failed'}`;
  else if (timedOut) summary = `timed out after ${opts.timeoutMs ?? 15_000} ms`;
  else if (aborted) summary = 'aborted';
  else {
    const how = exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
    summary = error && exit.code !== 0 ? `${how}: ${describeError(error.code)}` : how;
  }
  const ok = !timedOut && !aborted && exit.code === 0;
  return { ok, exit, timedOut, aborted, error, summary, stdout, stderr, durationMs: Date.now() - started };
}
