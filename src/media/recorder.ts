/**
 * One recording's FFmpeg process: starts it (after linking part 1 to the recording's name
 * when segmented), follows its progress, stops it with SIGTERM (FFmpeg then writes its
 * trailer) and SIGKILL after a grace period, and tells how it ended.
 */
import { EventEmitter } from 'node:events';
import { lstat, readdir, symlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ManagedChild, type ChildExit } from '../process/child-process.js';
import { ProgressParser, type FfmpegProgress } from '../streaming/ffmpeg/progress.js';
import { classifyStderr, describeError } from '../streaming/ffmpeg/stderr.js';
import { unlinkQuiet } from './library.js';
import { partNumberOf } from './names.js';
import type { RecorderCommand } from './recorder-argv.js';

export interface RecorderExit extends ChildExit {
  requested: boolean;
  /** The disk filled up while writing. */
  diskFull: boolean;
  /** e.g. "exit code 1: connection refused" */
  summary: string;
  stderr: string[];
}

export interface RecorderEvents {
  /** The first progress report with frames written. */
  first_frame: [];
  progress: [p: FfmpegProgress];
  exit: [exit: RecorderExit];
}

const DISK_FULL = /No space left on device|Disk quota exceeded/;

export function summarizeExit(exit: ChildExit, stderr: readonly string[]): { diskFull: boolean; summary: string } {
  const diskFull = stderr.some((l) => DISK_FULL.test(l));
  const how = exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
  if (diskFull) return { diskFull, summary: `${how}: no space left on device` };
  const err = classifyStderr(stderr);
  return { diskFull, summary: err && exit.code !== 0 ? `${how}: ${describeError(err.code)}` : how };
}

export class RecorderProcess extends EventEmitter<RecorderEvents> {
  #child: ManagedChild | undefined;
  #requested = false;
  #stderr: string[] = [];
  progress: FfmpegProgress | undefined;
  /** Epoch ms of the latest progress report. */
  progressAt = 0;
  firstFrameAt: number | undefined;
  exit: RecorderExit | undefined;
  /** Epoch ms stop() was first called. */
  stopRequestedAt: number | undefined;

  /**
   * FFmpeg's out_time also counts the packets it dropped before the first keyframe (stream
   * copy starts at a keyframe): this is that share, estimated once from the first report as
   * out_time minus frames written / nominal fps.
   */
  #offsetUs = 0;

  constructor(
    readonly command: RecorderCommand,
    readonly dir: string,
    readonly base: string,
    readonly ext: string,
    /** The stream's nominal frame rate, when known. */
    readonly fps?: number,
  ) {
    super();
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Media time in the file so far, in seconds (as of the latest progress report). */
  get mediaSeconds(): number {
    return Math.max(0, ((this.progress?.outTimeUs ?? 0) - this.#offsetUs) / 1e6);
  }

  /** Media time now: the latest report plus the real time since (the input is live). */
  get mediaSecondsNow(): number {
    return this.progress ? this.mediaSeconds + Math.max(0, Date.now() - this.progressAt) / 1000 : 0;
  }

  async start(): Promise<void> {
    if (this.command.partOneLink) {
      await unlinkQuiet(this.command.partOneLink);
      await symlink(basename(this.command.firstPart), this.command.partOneLink);
    }
    const child = new ManagedChild({ argv: this.command.argv, keepLines: 50 });
    this.#child = child;
    const parser = new ProgressParser();
    child.on('line', (stream, line) => {
      if (stream === 'stderr') {
        this.#stderr.push(line);
        if (this.#stderr.length > 50) this.#stderr.shift();
        return;
      }
      const p = parser.push(line);
      if (!p) return;
      this.progress = p;
      this.progressAt = Date.now();
      if (this.firstFrameAt === undefined && p.frame > 0) {
        this.firstFrameAt = Date.now();
        if (this.fps && p.outTimeUs !== null) this.#offsetUs = Math.max(0, p.outTimeUs - (p.frame / this.fps) * 1e6);
        this.emit('first_frame');
      }
      this.emit('progress', p);
    });
    child.on('error', (err) => this.#stderr.push(`spawn failed: ${err.message}`));
    child.on('exit', (exit) => {
      void this.#removeLink().finally(() => {
        this.exit = { ...exit, requested: this.#requested, ...summarizeExit(exit, this.#stderr), stderr: [...this.#stderr] };
        this.emit('exit', this.exit);
      });
    });
  }

  /** Resolves with the exit once FFmpeg has finished (SIGTERM, SIGKILL after `graceMs`). */
  async stop(graceMs: number): Promise<RecorderExit> {
    if (this.exit) return this.exit;
    if (!this.#child) {
      // Never started (start() failed before spawning): nothing to wait for.
      const exit: ChildExit = { code: null, signal: null, at: Date.now() };
      this.exit = { ...exit, requested: true, ...summarizeExit(exit, this.#stderr), stderr: [...this.#stderr] };
      return this.exit;
    }
    const done = new Promise<RecorderExit>((resolve) => this.once('exit', resolve));
    this.#requested = true;
    this.stopRequestedAt = Date.now();
    // One SIGTERM makes FFmpeg finish after its current read and write its trailer; a read that
    // blocks (the stream went silent) is only interrupted by a second signal, which also aborts
    // the trailer, so it comes late. SIGKILL after the grace period.
    const again = setTimeout(() => this.#child?.signal('SIGTERM'), graceMs / 2);
    try {
      await this.#child?.stop(graceMs);
    } finally {
      clearTimeout(again);
    }
    return done;
  }

  /** Resolves at the first written frame; rejects after `timeoutMs` or when FFmpeg ends first. */
  firstFrame(timeoutMs: number): Promise<void> {
    if (this.firstFrameAt !== undefined) return Promise.resolve();
    if (this.exit) return Promise.reject(new Error(`FFmpeg ended before the first frame (${this.exit.summary})`));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => (cleanup(), reject(new Error(`no frame written within ${timeoutMs} ms`))), timeoutMs);
      const onFrame = () => (cleanup(), resolve());
      const onExit = (exit: RecorderExit) => (cleanup(), reject(new Error(`FFmpeg ended before the first frame (${exit.summary}): ${exit.stderr.slice(-3).join(' | ')}`)));
      const cleanup = () => {
        clearTimeout(timer);
        this.off('first_frame', onFrame);
        this.off('exit', onExit);
      };
      this.on('first_frame', onFrame);
      this.on('exit', onExit);
    });
  }

  /** Resolves when the process has exited and the exit was reported. */
  exited(): Promise<RecorderExit> {
    return this.exit ? Promise.resolve(this.exit) : new Promise((resolve) => this.once('exit', resolve));
  }

  async #removeLink(): Promise<void> {
    if (this.command.partOneLink) await unlinkQuiet(this.command.partOneLink).catch(() => undefined);
  }

  /** The recording's parts on disk, in order, with their sizes. */
  async parts(): Promise<{ name: string; size: number }[]> {
    return recordingParts(this.dir, this.base, this.ext);
  }
}

/** Regular files that are parts of `base.ext` in `dir`, ordered by part number (the part-1 link is not one). */
export async function recordingParts(dir: string, base: string, ext: string): Promise<{ name: string; size: number; part: number }[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const out: { name: string; size: number; part: number }[] = [];
  for (const name of names) {
    const part = partNumberOf(name, base, ext);
    if (part === undefined || name === `${base}_part1.${ext}`) continue;
    try {
      const st = await lstat(join(dir, name));
      if (st.isFile()) out.push({ name, size: st.size, part });
    } catch {
      // vanished meanwhile
    }
  }
  return out.sort((a, b) => a.part - b.part);
}
