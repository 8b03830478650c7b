/**
 * Probes a V4L2 node with `v4l2-ctl` (adapter): `--info --list-formats-ext` in one run
 * (controls are read by the camera settings module, src/cameras/settings/). Each run has a time limit after which
 * the process group is killed. Failures are classified so the caller can tell a node that
 * vanished mid-probe or is not yet accessible (udev has not fixed its permissions) from a
 * real probe failure.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { runOnce } from '../process/run-once.js';
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

  // Output is collected as raw chunks (vivid's format list is ~4,000 lines; line events cost
  // more than the parse under QEMU TCG); past the time limit the process group is killed.
  const r = await runOnce([opts.binary ?? 'v4l2-ctl', '-d', devnode, '--info', '--list-formats-ext'], { timeoutMs: opts.timeoutMs, graceMs: 0 });
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
