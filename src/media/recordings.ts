/**
 * Recording sessions: at most one running per camera. A session holds the camera's stream
 * (stream user `recording:<base>`, so an on-demand camera starts its publisher), runs one
 * FFmpeg stream-copy reader of the MediaMTX path, and always ends with a finalized file (or
 * none, when not one frame was written) and one `ended` event, whatever ends it:
 *
 *   STOPPED  stopped (stop_recording), duration_reached, camera_disconnected, service_shutdown
 *   FAILED   disk_full, stream_lost (the stream ended under it: publisher or MediaMTX gone),
 *            recorder_failed (FFmpeg failed), start_failed (no frame written within
 *            `recording.start_timeout_ms` of the start; nothing is kept)
 *
 * start() answers once the recording is committed (journal entry written, stream requested);
 * the recorder starts as soon as the stream is available. stop() answers at once with the
 * figures of that moment; FFmpeg writes its trailer and the file is finalized in the
 * background (the session is then `ending`: no longer the camera's recording, its files
 * still busy). FFmpeg finalizes on SIGTERM (trailer) and when its input ends; a fragmented
 * MP4 is playable up to its last fragment even when FFmpeg is killed. `mp4` recordings are
 * remuxed to a progressive MP4 afterwards (deferred to the next start on shutdown).
 */
import { EventEmitter } from 'node:events';
import { constants } from 'node:fs';
import { access, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CameraRegistry } from '../cameras/registry.js';
import type { Logger } from '../observability/logger.js';
import { finalizeRecording } from './recording-finalize.js';
import { disconnectsWithin, endReasonOf, isFailure, RecordingError, startError, UNPLUG_SETTLE_MS, type EndInfo, type EndReason, type EndStatus, type ProgressInfo, type SessionInfo } from './recording-outcome.js';
import { keepsFirstFrame, newSession, type Session } from './recording-session.js';
import type { RecorderExit } from './recorder.js';
import { RecorderProcess } from './recorder.js';
import { recorderCommand } from './recorder-argv.js';
import type { RecordingJournal } from './journal.js';
import { unlinkQuiet, type MediaLibrary } from './library.js';
import { partName, partNumberOf, recordingBase, recordingExtension, type RecordingFormat } from './names.js';

export { RecordingError } from './recording-outcome.js';
export type { EndInfo, EndReason, EndStatus, ProgressInfo, SessionInfo } from './recording-outcome.js';

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
  /** A recording without a written frame this long after its start ends FAILED start_failed. */
  startTimeoutMs: number;
  stopGraceMs: number;
  log: Logger;
}

export class RecordingManager extends EventEmitter<RecordingEvents> {
  /** The running (or starting) recording of each camera. */
  readonly #sessions = new Map<string, Session>();
  /** Sessions that are ending: FFmpeg finishing, files being finalized. Their files are busy. */
  readonly #ending = new Set<Session>();
  #closed = false;
  /** Rejects once close() is called: a start in progress gives up instead of holding up the shutdown. */
  readonly #closing: Promise<never>;
  #abortStarts!: (err: Error) => void;

  constructor(private readonly d: RecordingDeps) {
    super();
    this.#closing = new Promise<never>((_r, reject) => (this.#abortStarts = reject));
    this.#closing.catch(() => undefined);
    d.library.addBusyCheck(
      (kind, name) => kind === 'recordings' && this.#all().some((s) => s.base !== '' && partNumberOf(name, s.base, s.ext) !== undefined),
      () => this.#all().filter((s) => s.base !== '').map((s) => ({ kind: 'recordings' as const, base: s.base, ext: s.ext })),
    );
    d.registry.on('change', (camera) => {
      const s = this.#sessions.get(camera.id);
      if (!s || camera.status === 'CONNECTED') return;
      d.log.info({ camera: camera.id, status: camera.status, filename: s.info.filename, state: s.state }, 'camera gone during a recording: stopping it');
      void this.#end(s, 'camera_disconnected');
    });
  }

  #all(): Session[] {
    return [...this.#sessions.values(), ...this.#ending];
  }

  active(): SessionInfo[] {
    return [...this.#sessions.values()].map((s) => s.info);
  }

  session(device: string): SessionInfo | undefined {
    return this.#sessions.get(device)?.info;
  }

  /** start_recording: answers once the recording is committed; the recorder starts in the background. */
  async start(device: string, opts: { durationS?: number; format?: RecordingFormat }): Promise<SessionInfo> {
    if (this.#closed) throw new RecordingError('closed', 'the service is stopping');
    const camera = this.d.registry.get(device);
    if (!camera) throw new RecordingError('not_found', `camera '${device}' does not exist`);
    const current = this.#sessions.get(device);
    if (current) throw new RecordingError('busy', `camera ${device} is already recording to ${current.info.filename}`, 'RECORDING');
    if (camera.status !== 'CONNECTED') throw new RecordingError('not_connected', `camera ${device} is ${camera.status}`, camera.status);

    const format = opts.format ?? 'fmp4';
    const ext = recordingExtension(format);
    const now = new Date();
    const s = newSession({ device, filename: '', format, startedAt: now.getTime() }, ext, now.getTime() + this.d.startTimeoutMs);
    this.#sessions.set(device, s);
    let acquired = false;
    try {
      const refusal = await this.d.diskRefusal();
      if (refusal) throw new RecordingError('disk_full', 'not enough free disk space for a new recording', undefined, refusal);
      // A read-only or foreign-owned folder is refused before the stream is started for nothing.
      await access(this.d.library.dirs.recordings, constants.W_OK);
      // The answer comes before FFmpeg writes: a disk that cannot take a recording's first bytes is refused now.
      await probeWrite(this.d.library.dirs.recordings);
      s.base = await this.#freeBase(device, now, ext);
      s.info.filename = partName(s.base, ext, 1);
      // One stream user per session: a recording still finalizing does not release the next one's stream.
      s.user = `recording:${s.base}`;
      const acquiring = this.d.streams.acquire(device, s.user);
      try {
        await this.#unlessClosing(acquiring);
      } catch (err) {
        // Given up (shutdown) while the publisher starts: release the use once it is granted.
        acquiring.then(() => this.d.streams.release(device, s.user).catch(() => undefined), () => undefined);
        throw err;
      }
      acquired = true;
      this.d.journal.write({ camera: device, base: s.base, ext, format, startedAt: s.info.startedAt, state: 'recording' });
    } catch (err) {
      if (s.base) this.d.journal.remove(s.base);
      if (acquired) await this.d.streams.release(device, s.user).catch(() => undefined);
      this.#sessions.delete(device);
      if (!(err instanceof RecordingError)) this.d.log.warn({ camera: device, err: (err as Error).message }, 'recording could not be started');
      throw startError(err, device, this.d.ffmpegBinary);
    }
    this.d.log.info({ camera: device, filename: s.info.filename, format, duration: opts.durationS }, 'recording started');
    this.emit('started', s.info);
    void this.#run(s, camera.mode?.fps, opts.durationS);
    return s.info;
  }

  /** stop_recording: answers at once with the figures of this moment; FFmpeg finishes and the file is finalized in the background (`ended`). */
  async stop(device: string): Promise<EndInfo> {
    const s = this.#sessions.get(device);
    if (!s) throw new RecordingError('not_recording', `camera ${device} is not recording`, 'IDLE');
    const endedAt = Date.now();
    const duration = s.proc ? round1(s.proc.mediaSecondsNow) : 0;
    void this.#end(s, 'stopped');
    const parts = s.proc?.firstFrameAt !== undefined ? await s.proc.parts() : [];
    return { ...s.info, status: 'STOPPED', reason: 'stopped', endedAt, duration, file_size: parts.reduce((n, p) => n + p.size, 0), parts: parts.map((p) => p.name) };
  }

  /** Stops every session with `reason` (disk full, shutdown); resolves once all are finalized. */
  async endAll(reason: EndReason): Promise<EndInfo[]> {
    return Promise.all([...this.#sessions.values()].map((s) => this.#end(s, reason)));
  }

  /** Shutdown: ends every session and waits for those already ending (files finalized; mp4 remux left to the next start). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#abortStarts(new RecordingError('closed', 'the service is stopping'));
    for (const s of this.#all()) s.deferFinalize = true;
    // Stopped sessions that wait for their first frame end now.
    for (const s of this.#ending) {
      if (s.state === 'starting') s.cancel(new Error('the service is stopping'));
      else if (s.proc && s.proc.stopRequestedAt === undefined) void s.proc.stop(this.d.stopGraceMs);
    }
    await Promise.all([this.endAll('service_shutdown'), ...[...this.#ending].map((s) => s.done)]);
  }

  #end(s: Session, reason: EndReason): Promise<EndInfo> {
    s.stopReason ??= reason;
    if (this.#sessions.get(s.info.device) === s) {
      this.#sessions.delete(s.info.device);
      this.#ending.add(s);
    }
    // A stop keeps a committed recording going until its first frame (below); anything else ends the start.
    if (s.state === 'starting' && !(keepsFirstFrame(s.stopReason) && !this.#closed)) s.cancel(new Error(`ended while starting (${s.stopReason})`));
    if (s.state === 'recording') {
      s.state = 'ending';
      for (const t of s.timers) clearTimeout(t);
      const proc = s.proc!;
      if (proc.firstFrameAt === undefined && keepsFirstFrame(s.stopReason) && !this.#closed) {
        // Stopped before the recorder has written its first frame (the stream starts, the recorder
        // connects and finds a keyframe): the stop takes effect once it has, so the file has a picture.
        void proc.firstFrame(Math.max(0, s.startDeadline - Date.now())).catch(() => undefined).finally(() => void proc.stop(this.d.stopGraceMs));
      } else void proc.stop(this.d.stopGraceMs);
    }
    return s.done;
  }

  /** Background part of a start: waits for the stream, runs the recorder, checks that it writes. */
  async #run(s: Session, fps: number | undefined, durationS: number | undefined): Promise<void> {
    const deadline = s.startDeadline;
    const device = s.info.device;
    let proc: RecorderProcess;
    try {
      await Promise.race([this.d.waitAvailable(device, this.d.startTimeoutMs), s.cancelled]);
      const command = recorderCommand({
        binary: this.d.ffmpegBinary,
        sourceUrl: this.d.sourceUrl(device),
        dir: this.d.library.dirs.recordings,
        base: s.base,
        format: s.info.format,
        segmentS: this.d.segmentS,
      });
      proc = new RecorderProcess(command, this.d.library.dirs.recordings, s.base, s.ext, fps);
      s.proc = proc;
      await proc.start();
    } catch (err) {
      return this.#endUnstarted(s, err as Error);
    }
    proc.on('exit', (exit) => void this.#finish(s, exit));
    if (proc.exit) void this.#finish(s, proc.exit);
    if (s.state !== 'starting') return;
    s.state = 'recording';
    // Ended (stop, unplug, shutdown) while it was starting: stop it now that it runs.
    if (s.stopReason) return void this.#end(s, s.stopReason);
    const progress = setInterval(() => void this.#progress(s), this.d.progressIntervalS * 1000);
    progress.unref();
    s.timers.push(progress);
    if (durationS !== undefined) this.#autoStop(s, durationS);
    this.d.log.debug({ camera: device, filename: s.info.filename, pid: proc.pid }, 'recorder started');
    try {
      await proc.firstFrame(Math.max(0, deadline - Date.now()));
    } catch (err) {
      if (s.state !== 'recording') return;
      s.startError = (err as Error).message;
      void this.#end(s, 'start_failed');
    }
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

  /** The recorder never ran (the stream did not come, the start was given up, FFmpeg could not start): nothing was written. */
  async #endUnstarted(s: Session, err: Error): Promise<void> {
    if (s.finalizing) return;
    s.finalizing = true;
    s.state = 'ending';
    if (s.proc) await s.proc.stop(this.d.stopGraceMs);
    const reason: EndReason = s.stopReason ?? 'start_failed';
    await this.#report(s, reason, { parts: [], duration: 0, error: reason === 'start_failed' ? `the recorder did not start: ${err.message}` : undefined });
  }

  async #freeBase(device: string, at: Date, ext: string): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      const base = recordingBase(device, at, attempt);
      // A recording that has not written yet has no file: its base is taken all the same.
      if (this.#all().some((s) => s.base === base)) continue;
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
    if (this.#sessions.get(s.info.device) === s) {
      this.#sessions.delete(s.info.device);
      this.#ending.add(s);
    }
    // FFmpeg ended on its own: under systemd (KillMode=control-group) it gets the stop signal
    // together with the service, so a shutdown may be reported a moment later than its exit.
    if (!exit.requested && !s.stopReason) await new Promise((r) => setTimeout(r, 250));
    let reason = endReasonOf(exit, s.stopReason, this.d.registry.get(s.info.device)?.status);
    // A camera pulled out kills its publisher (the device read fails) a moment before
    // discovery reports it: give that report a short while before calling it a lost stream.
    if (reason === 'stream_lost' && (await disconnectsWithin(this.d.registry, s.info.device, UNPLUG_SETTLE_MS))) reason = 'camera_disconnected';
    const proc = s.proc!;
    if (proc.firstFrameAt === undefined) {
      // Not one frame written: remove what FFmpeg created (at most a header).
      for (const p of await proc.parts()) {
        await unlinkQuiet(join(this.d.library.dirs.recordings, p.name)).catch(() => undefined);
        this.d.library.changed('recordings', p.name);
      }
      if (reason === 'recorder_failed' || reason === 'stream_lost') reason = 'start_failed';
      const error = reason === 'start_failed' ? (s.startError ?? `FFmpeg ended before the first frame (${exit.summary})`) : undefined;
      return this.#report(s, reason, { parts: [], duration: 0, error, exit });
    }
    const f = await finalizeRecording({
      library: this.d.library,
      ffmpegBinary: this.d.ffmpegBinary,
      base: s.base,
      ext: s.ext,
      format: s.info.format,
      deferRemux: s.deferFinalize,
      reportedSeconds: proc.mediaSeconds,
      log: this.d.log,
    });
    await this.#report(s, reason, { parts: f.parts, duration: f.duration, error: isFailure(reason) ? exit.summary : undefined, exit });
  }

  /** Journal, stream, `ended` event: the last step of every session. */
  async #report(s: Session, reason: EndReason, r: { parts: { name: string; size: number }[]; duration: number; error: string | undefined; exit?: RecorderExit }): Promise<void> {
    if (s.deferFinalize && s.info.format !== 'fmp4' && r.parts.length > 0) {
      this.d.journal.write({ camera: s.info.device, base: s.base, ext: s.ext, format: s.info.format, startedAt: s.info.startedAt, state: 'finalize' });
    } else this.d.journal.remove(s.base);
    await this.d.streams.release(s.info.device, s.user).catch(() => undefined);
    if (this.#sessions.get(s.info.device) === s) this.#sessions.delete(s.info.device);
    this.#ending.delete(s);
    const status: EndStatus = isFailure(reason) ? 'FAILED' : 'STOPPED';
    const end: EndInfo = {
      ...s.info,
      status,
      reason,
      endedAt: Date.now(),
      duration: round1(r.duration),
      file_size: r.parts.reduce((n, p) => n + p.size, 0),
      parts: r.parts.map((p) => p.name),
      ...(status === 'FAILED' && r.error !== undefined ? { error: r.error } : {}),
    };
    const proc = s.proc;
    const stopMs = proc?.stopRequestedAt === undefined || !r.exit ? undefined : r.exit.at - proc.stopRequestedAt;
    this.d.log[status === 'FAILED' ? 'warn' : 'info'](
      { camera: s.info.device, filename: s.info.filename, reason, duration: end.duration, bytes: end.file_size, parts: end.parts.length, exit: r.exit?.summary, error: end.error, stopMs, stderr: r.exit?.stderr.slice(-3) },
      'recording ended',
    );
    this.emit('ended', end);
    s.resolve(end);
  }

}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** Writes and removes 64 KiB in `dir` (a header and a first fragment's worth): rejects with ENOSPC on a full disk. */
async function probeWrite(dir: string): Promise<void> {
  const file = join(dir, `.probe-${process.pid}-${Date.now()}`);
  try {
    await writeFile(file, Buffer.alloc(64 * 1024), { flag: 'wx' });
  } finally {
    await unlink(file).catch(() => undefined);
  }
}
