/**
 * Runs a short command to completion (in its own process group, via ManagedChild) and
 * collects its whole output; after `timeoutMs` the group gets SIGTERM, then SIGKILL.
 */
import { ManagedChild } from './child-process.js';

export interface RunOnceResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Set when the command could not be started. */
  spawnError?: Error;
  durationMs: number;
}

export function runOnce(argv: readonly string[], opts: { timeoutMs: number; graceMs?: number; env?: NodeJS.ProcessEnv }): Promise<RunOnceResult> {
  const started = performance.now();
  const child = new ManagedChild({ argv, env: opts.env ?? { ...process.env, LC_ALL: 'C' }, rawStdout: true, keepLines: 1 });
  const out: Buffer[] = [];
  const err: string[] = [];
  let spawnError: Error | undefined;
  child.proc.stdout?.on('data', (c: Buffer) => out.push(c));
  child.on('line', (stream, line) => {
    if (stream === 'stderr' && err.length < 200) err.push(line);
  });
  child.on('error', (e) => (spawnError = e));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void child.stop(opts.graceMs ?? 500);
  }, opts.timeoutMs);
  return new Promise((resolve) => {
    child.once('exit', (exit) => {
      clearTimeout(timer);
      resolve({
        code: exit.code,
        signal: exit.signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: err.join('\n'),
        timedOut,
        ...(spawnError ? { spawnError } : {}),
        durationMs: performance.now() - started,
      });
    });
  });
}
