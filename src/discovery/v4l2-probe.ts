/**
 * Probes a V4L2 node with `v4l2-ctl` (adapter): `--info --list-formats-ext` in one run
 * (controls are read by the camera settings module, src/cameras/settings/). Each run has a time limit after which
 * the process group is killed. Failures are classified so the caller can tell a node that
 * vanished mid-probe or is not yet accessible (udev has not fixed its permissions) from a
 * real probe failure.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { parseListFormatsExt, type PixelFormat } from './v4l2-formats.js';
import { parseV4l2Info, type V4l2Info } from './v4l2-info.js';

export interface ProbeOptions {
  timeoutMs: number;
  /** v4l2-ctl executable (default "v4l2-ctl"). */
  binary?: string;
}

export type ProbeFailure = 'permission' | 'gone' | 'timeout' | 'failed' | 'parse';

export type ProbeResult =
  | { ok: true; info: V4l2Info; formats: PixelFormat[]; durationMs: number }
  | { ok: false; failure: ProbeFailure; message: string; durationMs: number };

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  spawnError?: Error;
}

/**
 * Runs a short command to completion within `timeoutMs`, after which its process group is
 * killed (SIGKILL).
 * Output is collected as raw chunks: vivid's format list is ~4,000 lines, and line-by-line
 * events cost more than the parse under QEMU TCG.
 */
export function runWithTimeout(argv: readonly string[], timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve) => {
    const [cmd, ...args] = argv;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let spawnError: Error | undefined;
    // Own process group, so a timeout kills anything the command started too.
    const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' }, detached: true });
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.once('error', (e) => (spawnError = e));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
        ...(spawnError ? { spawnError } : {}),
      });
    });
  });
}

/** Why the node cannot be opened right now, or null when it can. */
export async function accessProblem(devnode: string): Promise<'permission' | 'gone' | null> {
  try {
    await access(devnode, constants.R_OK | constants.W_OK);
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') return 'permission';
    return 'gone';
  }
}

async function exists(devnode: string): Promise<boolean> {
  try {
    await access(devnode, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}

function lastLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '').pop() ?? '';
}

/** `v4l2-ctl -d <node> --info --list-formats-ext`, parsed. */
export async function probeNode(devnode: string, opts: ProbeOptions): Promise<ProbeResult> {
  const started = performance.now();
  const took = () => Math.round((performance.now() - started) * 10) / 10;
  const problem = await accessProblem(devnode);
  if (problem === 'permission') return { ok: false, failure: 'permission', message: 'no permission to open the device node yet', durationMs: took() };
  if (problem === 'gone') return { ok: false, failure: 'gone', message: 'the device node is gone', durationMs: took() };

  const r = await runWithTimeout([opts.binary ?? 'v4l2-ctl', '-d', devnode, '--info', '--list-formats-ext'], opts.timeoutMs);
  if (r.spawnError) return { ok: false, failure: 'failed', message: `cannot run v4l2-ctl: ${r.spawnError.message}`, durationMs: took() };
  if (r.timedOut) {
    if (!(await exists(devnode))) return { ok: false, failure: 'gone', message: 'the device node vanished during the probe', durationMs: took() };
    return { ok: false, failure: 'timeout', message: `v4l2-ctl did not finish within ${opts.timeoutMs} ms`, durationMs: took() };
  }
  if (r.code !== 0) {
    if (!(await exists(devnode))) return { ok: false, failure: 'gone', message: 'the device node vanished during the probe', durationMs: took() };
    if (/permission denied/i.test(r.stderr)) return { ok: false, failure: 'permission', message: 'no permission to open the device node', durationMs: took() };
    const why = lastLine(r.stderr).replace(/\/dev\/\S+/g, 'the device');
    return { ok: false, failure: 'failed', message: `v4l2-ctl exited with ${r.code ?? r.signal}${why ? `: ${why}` : ''}`, durationMs: took() };
  }
  try {
    const info = parseV4l2Info(r.stdout);
    const formats = parseListFormatsExt(r.stdout);
    return { ok: true, info, formats, durationMs: took() };
  } catch (err) {
    return { ok: false, failure: 'parse', message: `unexpected v4l2-ctl output: ${(err as Error).message}`, durationMs: took() };
  }
}
