/**
 * The pre-encoded clip replayed by the `testsrc-loop-copy` pipeline: generated once per
 * (size, fps, length) into a cache directory with the `testsrc-loop-encode` pipeline, so that
 * many test cameras cost almost no CPU. Safe against concurrent callers (one generation per
 * file in this process; written to a temporary name and renamed into place).
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { runFfmpegOnce } from './one-shot.js';
import { renderArgv } from '../templates/render.js';
import { gopFor, LOOP_ENCODE_TEMPLATE, type TemplateLookup } from '../templates/select.js';

export interface TestLoopOptions {
  cacheDir: string;
  lookup: TemplateLookup;
  width: number;
  height: number;
  fps: number;
  /** Clip length in whole seconds (default 2; every loop then starts on a keyframe). */
  seconds?: number;
  binary?: string;
  /** Time limit for the encode in ms (default 60000). */
  timeoutMs?: number;
}

const inFlight = new Map<string, Promise<string>>();

/** Path of the clip, generating it first if the cache does not have it. */
export function ensureTestLoop(opts: TestLoopOptions): Promise<string> {
  const seconds = opts.seconds ?? 2;
  const file = join(opts.cacheDir, `testsrc2-${opts.width}x${opts.height}-${opts.fps}fps-${seconds}s.mp4`);
  let pending = inFlight.get(file);
  if (!pending) {
    pending = generate(file, { ...opts, seconds }).finally(() => inFlight.delete(file));
    inFlight.set(file, pending);
  }
  return pending;
}

async function generate(file: string, opts: TestLoopOptions & { seconds: number }): Promise<string> {
  const existing = await stat(file).catch(() => undefined);
  if (existing && existing.size > 0) return file;
  await mkdir(opts.cacheDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp.mp4`;
  const template = opts.lookup.find(LOOP_ENCODE_TEMPLATE);
  if (!template) throw new Error(`FFmpeg template ${LOOP_ENCODE_TEMPLATE} is missing`);
  const argv = renderArgv(
    template,
    { width: opts.width, height: opts.height, fps: opts.fps, gop: gopFor(opts.fps), duration_s: opts.seconds, output: tmp },
    opts.binary,
  );
  const result = await runFfmpegOnce(argv, { timeoutMs: opts.timeoutMs ?? 60_000 });
  if (!result.ok) {
    await rm(tmp, { force: true });
    throw new Error(`generating the test loop ${file} failed: ${result.summary}${result.stderr.length ? ` (${result.stderr.at(-1)})` : ''}`);
  }
  await rename(tmp, file);
  return file;
}
