/**
 * Recording sessions: at most one per camera. A session holds the camera's stream (stream
 * user `recording`, so an on-demand camera starts its publisher), runs one FFmpeg
 * stream-copy reader of the MediaMTX path, and always ends with a finalized file and one
 * `ended` event, whatever ends it:
 *
 *   STOPPED  stopped (stop_recording), duration_reached, camera_disconnected, service_shutdown
 *   FAILED   disk_full, stream_lost (the stream ended under it: publisher or MediaMTX gone),
 *            recorder_failed (FFmpeg failed)
 *
 * FFmpeg finalizes on SIGTERM (trailer) and when its input ends; a fragmented MP4 is
 * playable up to its last fragment even when FFmpeg is killed. `mp4` recordings are remuxed
 * to a progressive MP4 afterwards (deferred to the next start on shutdown).
 */
import { EventEmitter } from 'node:events';
import { constants } from 'node:fs';
import { access, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { CameraRegistry } from '../cameras/registry.js';
import type { Logger } from '../observability/logger.js';
import { runFfmpegOnce } from '../streaming/ffmpeg/one-shot.js';
import { classifyMediaFailure } from './failure.js';
import { finishMkv } from './mkv-finish.js';
import { truncateToLastFragment } from './mp4-truncate.js';
import { RecorderProcess, type RecorderExit } from './recorder.js';
import { recorderCommand, remuxArgv } from './recorder-argv.js';
import type { RecordingJournal } from './journal.js';
import { unlinkQuiet, type MediaLibrary } from './library.js';
import { partName, partNumberOf, recordingBase, recordingExtension, type RecordingFormat } from './names.js';

export type EndStatus = 'STOPPED' | 'FAILED';
export type EndReason = 'stopped' | 'duration_reached' | 'camera_disconnected' | 'service_shutdown' | 'disk_full' | 'stream_lost' | 'recorder_failed';

/** How long a lost stream waits for discovery to report its camera gone. */
const UNPLUG_SETTLE_MS = 2000;

const FAILURES: ReadonlySet<EndReason> = new Set(['disk_full', 'stream_lost', 'recorder_failed']);

export interface SessionInfo {
  device: string;
  filename: string;
  format: RecordingFormat;
  /** Epoch ms. */
  startedAt: number;
}

export interface ProgressInfo extends SessionInfo {
  duration: number;
  file_size: number;
  parts: number;
}

export interface EndInfo extends SessionInfo {
  status: EndStatus;
  reason: EndReason;
  /** Epoch ms. */
  endedAt: number;
  /** Seconds of media, read from the files. */
  duration: number;
  file_size: number;
  parts: string[];
  /** What went wrong, for FAILED. */
  error?: string;
}

export class RecordingError extends Error {
  constructor(
    readonly code: 'not_found' | 'busy' | 'not_connected' | 'not_recording' | 'disk_full' | 'not_writable' | 'ffmpeg_missing' | 'start_failed' | 'closed',
    message: string,
    readonly state?: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'RecordingError';
  }
}

export interface RecordingEvents {
  started: [info: SessionInfo];
  progress: [info: ProgressInfo];
  ended: [info: EndInfo];
}

export interface RecordingDeps {
  registry: CameraRegistry;
  streams: {
    acquire(id: string, user: string): Promise<void>;
    release(id: string, user: string): Promise<void>;
  };
  /** Resolves once the camera's MediaMTX path has a ready publisher. */
  waitAvailable(id: string, timeoutMs: number): Promise<unknown>;
  sourceUrl(id: string): string;
  library: MediaLibrary;
  journal: RecordingJournal;
  /** undefined when the disk has room for a new recording, else why not. */
  diskRefusal(): Promise<string | undefined>;
  ffmpegBinary: string;
  segmentS: number;
  progressIntervalS: number;
  startTimeoutMs: number;
  stopGraceMs: number;
  log: Logger;
}

interface Session {
  info: SessionInfo;
  base: string;
  ext: 'mp4' | 'mkv';
  durationS: number | undefined;
  state: 'starting' | 'recording' | 'ending';
  proc: RecorderProcess | undefined;
  stopReason: EndReason | undefined;
  deferFinalize: boolean;
  timers: NodeJS.Timeout[];
  done: Promise<EndInfo>;
  resolve: (e: EndInfo) => void;
  /** Set while the file is remuxed after FFmpeg ended. */
  finalizing: boolean;
}

export class RecordingManager extends EventEmitter<RecordingEvents> {
  readonly #sessions = new Map<string, Session>();
  #closed = false;
  /** Rejects once close() is called: a start in progress gives up instead of holding up the shutdown. */
  readonly #closing: Promise<never>;
  #abortStarts!: (err: Error) => void;

  constructor(private readonly d: RecordingDeps) {
    super();
    this.#closing = new Promise<never>((_r, reject) => (this.#abortStarts = reject));
    this.#closing.catch(() => undefined);
    d.library.addBusyCheck(
      (kind, name) => kind === 'recordings' && [...this.#sessions.values()].some((s) => s.base !== '' && partNumberOf(name, s.base, s.ext) !== undefined),
      () => [...this.#sessions.values()].map((s) => ({ kind: 'recordings' as const, base: s.base, ext: s.ext })),
    );
    d.registry.on('change', (camera) => {
      const s = this.#sessions.get(camera.id);
      if (!s || camera.status === 'CONNECTED') return;
      d.log.info({ camera: camera.id, status: camera.status, filename: s.info.filename, state: s.state }, 'camera gone during a recording: stopping it');
      void this.#end(s, 'camera_disconnected');
    });
  }

  active(): SessionInfo[] {
    return [...this.#sessions.values()].map((s) => s.info);
  }

  session(device: string): SessionInfo | undefined {
    return this.#sessions.get(device)?.info;
  }

  async start(device: string, opts: { durationS?: number; format?: RecordingFormat }): Promise<SessionInfo> {
    if (this.#closed) throw new RecordingError('closed', 'the service is stopping');
    const camera = this.d.registry.get(device);
    if (!camera) throw new RecordingError('not_found', `camera '${device}' does not exist`);
    const current = this.#sessions.get(device);
    if (current) {
      throw new RecordingError('busy', `camera ${device} is already recording to ${current.info.filename}`, current.state === 'starting' ? 'STARTING' : 'RECORDING');
    }
    if (camera.status !== 'CONNECTED') throw new RecordingError('not_connected', `camera ${device} is ${camera.status}`, camera.status);

    const format = opts.format ?? 'fmp4';
    const ext = recordingExtension(format);
    const now = new Date();
    let resolve!: (e: EndInfo) => void;
    const done = new Promise<EndInfo>((r) => (resolve = r));
    const s: Session = {
      info: { device, filename: '', format, startedAt: now.getTime() },
      base: '',
      ext,
      durationS: opts.durationS,
      state: 'starting',
      proc: undefined,
      stopReason: undefined,
      deferFinalize: false,
      timers: [],
      done,
      resolve,
      finalizing: false,
    };
    this.#sessions.set(device, s);
    let acquired = false;
    try {
      const refusal = await this.d.diskRefusal();
      if (refusal) throw new RecordingError('disk_full', 'not enough free disk space for a new recording', undefined, refusal);
      // A read-only or foreign-owned folder is refused before the stream is started for nothing.
      await access(this.d.library.dirs.recordings, constants.W_OK);
      s.base = await this.#freeBase(device, now, ext);
      s.info.filename = partName(s.base, ext, 1);
      const acquiring = this.d.streams.acquire(device, 'recording');
      try {
        await this.#unlessClosing(acquiring);
      } catch (err) {
        // Given up (shutdown) while the publisher starts: release the use once it is granted.
        acquiring.then(() => this.d.streams.release(device, 'recording').catch(() => undefined), () => undefined);
        throw err;
      }
      acquired = true;
      await this.#unlessClosing(this.d.waitAvailable(device, this.d.startTimeoutMs));
      this.d.journal.write({ camera: device, base: s.base, ext, format, startedAt: s.info.startedAt, state: 'recording' });
      const command = recorderCommand({
        binary: this.d.ffmpegBinary,
        sourceUrl: this.d.sourceUrl(device),
        dir: this.d.library.dirs.recordings,
        base: s.base,
        format,
        segmentS: this.d.segmentS,
      });
      const proc = new RecorderProcess(command, this.d.library.dirs.recordings, s.base, ext, camera.mode?.fps);
      await proc.start();
      s.proc = proc;
      await this.#unlessClosing(this.#firstFrame(proc));
    } catch (err) {
      await this.#abortStart(s, acquired);
      if (err instanceof RecordingError) throw err;
      const detail = (err as Error).message;
      this.d.log.warn({ camera: device, err: detail }, 'recording could not be started');
      switch (classifyMediaFailure(err)) {
        case 'disk_full':
          throw new RecordingError('disk_full', 'the recordings disk is full', undefined, detail);
        case 'storage_not_writable':
          throw new RecordingError('not_writable', `the recordings folder is not writable (${(err as NodeJS.ErrnoException).code ?? 'write refused'})`, undefined, detail);
        case 'ffmpeg_missing':
          throw new RecordingError('ffmpeg_missing', `FFmpeg (${this.d.ffmpegBinary}) cannot be run`, undefined, detail);
        default:
          throw new RecordingError('start_failed', `the recording of ${device} could not be started`, undefined, detail);
      }
    }
    s.state = 'recording';
    s.proc!.on('exit', (exit) => void this.#finish(s, exit));
    if (s.proc!.exit) void this.#finish(s, s.proc!.exit);
    const progress = setInterval(() => void this.#progress(s), this.d.progressIntervalS * 1000);
    progress.unref();
    s.timers.push(progress);
    if (opts.durationS !== undefined) this.#autoStop(s, opts.durationS);
    this.d.log.info({ camera: device, filename: s.info.filename, format, pid: s.proc!.pid, duration: opts.durationS }, 'recording started');
    this.emit('started', s.info);
    // Ended (unplug, shutdown) while it was starting: stop it now that it runs.
    if (s.stopReason) void this.#end(s, s.stopReason);
    return s.info;
  }

  /** stop_recording: ends the session and resolves once the file is finalized. */
  async stop(device: string): Promise<EndInfo> {
    const s = this.#sessions.get(device);
    if (!s) throw new RecordingError('not_recording', `camera ${device} is not recording`, 'IDLE');
    if (s.state === 'starting') throw new RecordingError('busy', `the recording of ${device} is still starting`, 'STARTING');
    return this.#end(s, 'stopped');
  }

  /** Stops every session with `reason` (disk full, shutdown). */
  async endAll(reason: EndReason): Promise<EndInfo[]> {
    return Promise.all([...this.#sessions.values()].map((s) => this.#end(s, reason)));
  }

  /** Shutdown: ends every session (files finalized; mp4 remux left to the next start). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#abortStarts(new RecordingError('closed', 'the service is stopping'));
    for (const s of this.#sessions.values()) s.deferFinalize = true;
    await this.endAll('service_shutdown');
  }

  #end(s: Session, reason: EndReason): Promise<EndInfo> {
    s.stopReason ??= reason;
    if (s.state === 'starting') return s.done;
    if (s.state === 'recording') {
      s.state = 'ending';
      for (const t of s.timers) clearTimeout(t);
      void s.proc!.stop(this.d.stopGraceMs);
    }
    return s.done;
  }

  /** `p`, unless the service starts stopping first. */
  #unlessClosing<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.#closing]);
  }

  /** Stops the session once `durationS` seconds of media are written (re-checked until then). */
  #autoStop(s: Session, durationS: number): void {
    const check = () => {
      if (s.state !== 'recording') return;
      const left = durationS - s.proc!.mediaSecondsNow;
      if (left <= 0.02) return void this.#end(s, 'duration_reached');
      const timer = setTimeout(check, Math.max(20, left * 1000));
      timer.unref();
      s.timers.push(timer);
    };
    check();
  }

  async #firstFrame(proc: RecorderProcess): Promise<void> {
    if (proc.firstFrameAt !== undefined) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no frame within ${this.d.startTimeoutMs} ms`));
      }, this.d.startTimeoutMs);
      const onFrame = () => (cleanup(), resolve());
      const onExit = (exit: RecorderExit) => (cleanup(), reject(new Error(`FFmpeg ended before the first frame (${exit.summary}): ${exit.stderr.slice(-3).join(' | ')}`)));
      const cleanup = () => {
        clearTimeout(timer);
        proc.off('first_frame', onFrame);
        proc.off('exit', onExit);
      };
      proc.on('first_frame', onFrame);
      proc.on('exit', onExit);
    });
  }

  async #abortStart(s: Session, acquired: boolean): Promise<void> {
    if (s.proc) {
      await s.proc.stop(this.d.stopGraceMs);
      // Nothing was recorded: remove what FFmpeg created (at most a header).
      for (const p of await s.proc.parts()) {
        await unlinkQuiet(join(this.d.library.dirs.recordings, p.name)).catch(() => undefined);
        this.d.library.changed('recordings', p.name);
      }
    }
    if (s.base) this.d.journal.remove(s.base);
    if (acquired) await this.d.streams.release(s.info.device, 'recording').catch(() => undefined);
    this.#sessions.delete(s.info.device);
    s.resolve({ ...s.info, status: 'FAILED', reason: 'recorder_failed', endedAt: Date.now(), duration: 0, file_size: 0, parts: [] });
  }

  async #freeBase(device: string, at: Date, ext: string): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      const base = recordingBase(device, at, attempt);
      if (!(await this.d.library.stat('recordings', partName(base, ext, 1)))) return base;
    }
  }

  async #progress(s: Session): Promise<void> {
    if (s.state !== 'recording' || !s.proc) return;
    const parts = await s.proc.parts();
    this.emit('progress', { ...s.info, duration: round1(s.proc.mediaSeconds), file_size: parts.reduce((n, p) => n + p.size, 0), parts: parts.length });
  }

  /** FFmpeg has exited: decide how the session ended, finalize, release, report. */
  async #finish(s: Session, exit: RecorderExit): Promise<void> {
    if (s.finalizing) return;
    s.finalizing = true;
    s.state = 'ending';
    for (const t of s.timers) clearTimeout(t);
    // FFmpeg ended on its own: under systemd (KillMode=control-group) it gets the stop signal
    // together with the service, so a shutdown may be reported a moment later than its exit.
    if (!exit.requested && !s.stopReason) await new Promise((r) => setTimeout(r, 250));
    let reason = this.#reasonOf(s, exit);
    // A camera pulled out kills its publisher (the device read fails) a moment before
    // discovery reports it: give that report a short while before calling it a lost stream.
    if (reason === 'stream_lost' && (await this.#disconnectsWithin(s.info.device, UNPLUG_SETTLE_MS))) reason = 'camera_disconnected';
    const proc = s.proc!;
    let parts = await proc.parts();
    // A fragment FFmpeg only half wrote (killed, disk full, a write aborted by a second stop
    // signal) is dropped; for a finished file this finds nothing to cut.
    // Matroska: an incomplete cluster is dropped and the Segment size and Duration are written
    // in place, so a file whose writer could not finish (disk full) still has its duration.
    for (const p of parts) {
      try {
        const file = join(this.d.library.dirs.recordings, p.name);
        if (s.ext === 'mp4') {
          const r = truncateToLastFragment(file);
          if (r.cutBytes > 0) this.d.log.info({ file: p.name, cutBytes: r.cutBytes, fragments: r.fragments }, 'dropped an incomplete last fragment');
        } else {
          const r = finishMkv(file);
          if (r.cutBytes > 0 || r.edited) this.d.log.info({ file: p.name, cutBytes: r.cutBytes, seconds: r.seconds }, 'finished a Matroska file its writer left incomplete');
        }
      } catch (err) {
        this.d.log.warn({ file: p.name, err: (err as Error).message }, 'could not check the end of the file');
      }
    }
    parts = await proc.parts();
    if (s.info.format !== 'fmp4' && !s.deferFinalize && parts.length > 0) {
      for (const p of parts) await this.#remux(join(this.d.library.dirs.recordings, p.name), s.info.format);
      parts = await proc.parts();
    }
    const durations = await Promise.all(
      parts.map(async (p) => {
        const file = await this.d.library.stat('recordings', p.name);
        return file ? this.d.library.duration(file) : null;
      }),
    );
    const fromFiles = durations.every((d) => d !== null) ? durations.reduce<number>((n, d) => n + (d ?? 0), 0) : proc.mediaSeconds;
    if (s.deferFinalize && s.info.format !== 'fmp4') {
      this.d.journal.write({ camera: s.info.device, base: s.base, ext: s.ext, format: s.info.format, startedAt: s.info.startedAt, state: 'finalize' });
    } else this.d.journal.remove(s.base);
    this.#sessions.delete(s.info.device);
    await this.d.streams.release(s.info.device, 'recording').catch(() => undefined);
    const status: EndStatus = FAILURES.has(reason) ? 'FAILED' : 'STOPPED';
    const end: EndInfo = {
      ...s.info,
      status,
      reason,
      endedAt: Date.now(),
      duration: round1(fromFiles),
      file_size: parts.reduce((n, p) => n + p.size, 0),
      parts: parts.map((p) => p.name),
      ...(status === 'FAILED' ? { error: exit.summary } : {}),
    };
    const level = status === 'FAILED' ? 'warn' : 'info';
    const stopMs = proc.stopRequestedAt === undefined ? undefined : exit.at - proc.stopRequestedAt;
    this.d.log[level](
      { camera: s.info.device, filename: s.info.filename, reason, duration: end.duration, bytes: end.file_size, parts: end.parts.length, exit: exit.summary, stopMs, stderr: exit.stderr.slice(-3) },
      'recording ended',
    );
    this.emit('ended', end);
    s.resolve(end);
  }

  /** Resolves true when the camera is (or becomes within `ms`) not CONNECTED. */
  #disconnectsWithin(device: string, ms: number): Promise<boolean> {
    if (this.d.registry.get(device)?.status !== 'CONNECTED') return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (v: boolean) => {
        clearTimeout(timer);
        this.d.registry.off('change', onChange);
        resolve(v);
      };
      const onChange = (c: { id: string; status: string }) => c.id === device && c.status !== 'CONNECTED' && done(true);
      const timer = setTimeout(() => done(false), ms);
      this.d.registry.on('change', onChange);
    });
  }

  #reasonOf(s: Session, exit: RecorderExit): EndReason {
    if (exit.diskFull) return 'disk_full';
    if (s.stopReason) return s.stopReason;
    const camera = this.d.registry.get(s.info.device);
    if (camera?.status !== 'CONNECTED') return 'camera_disconnected';
    // Exit 0 without being asked: the input ended (publisher or MediaMTX went away).
    return exit.code === 0 ? 'stream_lost' : 'recorder_failed';
  }

  async #remux(path: string, format: RecordingFormat): Promise<void> {
    const r = await remuxInPlace(this.d.ffmpegBinary, this.d.library.dirs.recordings, path, format);
    if (!r.ok) this.d.log.warn({ path, summary: r.summary }, 'remux failed; the recording keeps its fragmented form');
  }
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** Remux used by recovery too. */
export async function remuxInPlace(ffmpegBinary: string, dir: string, path: string, format: RecordingFormat): Promise<{ ok: boolean; summary: string }> {
  const tmp = join(dir, `.remux-${process.pid}-${Date.now()}.${format === 'mkv' ? 'mkv' : 'mp4'}`);
  const r = await runFfmpegOnce(remuxArgv(ffmpegBinary, path, tmp, format), { timeoutMs: 10 * 60_000 });
  if (!r.ok) {
    await unlinkQuiet(tmp).catch(() => undefined);
    return { ok: false, summary: `${r.summary}: ${r.stderr.slice(-2).join(' | ')}` };
  }
  await rename(tmp, path);
  return { ok: true, summary: 'remuxed' };
}

