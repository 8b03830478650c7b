/**
 * take_snapshot. A streaming camera's snapshot is its live tap's latest keyframe written to
 * a file (no FFmpeg start, no second opener of the device). A camera that is not streaming
 * gets its publisher started for the snapshot (stream user `snapshot`), and the image is the
 * published stream's first keyframe, read over RTSP (rtsp-keyframe.ts) and decoded by an
 * FFmpeg started while the stream starts (keyframe-jpeg.ts); the device keeps its single
 * opener. PNG and qualities other
 * than the tap's run a one-shot FFmpeg grab of the published stream.
 *
 * Live taps run while a camera's publisher runs and something other than the tap itself
 * uses the stream (a non-reader user such as always_on, an API session, a recording, or a
 * reader MediaMTX counts besides the tap): a tap alone never keeps an on-demand stream alive.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { constants } from 'node:fs';
import { access, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CameraRegistry } from '../cameras/registry.js';
import type { Logger } from '../observability/logger.js';
import { runFfmpegOnce } from '../streaming/ffmpeg/one-shot.js';
import { jpegQscale, planSnapshot, type TemplateLookup } from '../streaming/templates/select.js';
import { classifyMediaFailure } from './failure.js';
import { unlinkQuiet, type MediaLibrary } from './library.js';
import { LiveTap, tapArgv, type TapFrame } from './live-tap.js';
import { defaultSnapshotName, resolveSnapshotName, type SnapshotFormat } from './names.js';

/**
 * The idle-snapshot readers (RTSP first keyframe, JPEG decoder), loaded at the first snapshot of
 * an idle camera: a host that snapshots only streaming cameras (or none) never holds their code
 * in memory (idle RSS, docs/performance.md).
 */
type IdleReaders = typeof import('./keyframe-jpeg.js') & typeof import('./rtsp-keyframe.js');
let idleReadersLoaded: Promise<IdleReaders> | undefined;
function idleReaders(): Promise<IdleReaders> {
  idleReadersLoaded ??= Promise.all([import('./keyframe-jpeg.js'), import('./rtsp-keyframe.js')]).then(([jpeg, rtsp]) => ({ ...jpeg, ...rtsp }));
  return idleReadersLoaded;
}

export interface SnapshotResult {
  device: string;
  filename: string;
  format: SnapshotFormat;
  file_size: number;
  /** Epoch ms. */
  takenAt: number;
  /**
   * `live` (the tap's latest keyframe), `stream` (the first keyframe of the stream started
   * for it), `pattern` (an idle test-pattern camera: the first picture of its loop, the one its
   * stream starts with), `grab` (one-shot FFmpeg).
   */
  source: 'live' | 'stream' | 'pattern' | 'grab';
  latencyMs: number;
}

export class SnapshotError extends Error {
  constructor(
    readonly code: 'invalid_param' | 'not_found' | 'not_connected' | 'exists' | 'disk_full' | 'not_writable' | 'ffmpeg_missing' | 'failed',
    message: string,
    readonly extra: { param?: string; state?: string; detail?: string; filename?: string } = {},
  ) {
    super(message);
    this.name = 'SnapshotError';
  }
}

export interface SnapshotEvents {
  taken: [r: SnapshotResult];
  error: [e: { device: string; filename: string | undefined; reason: string; error: string }];
}

export interface SnapshotDeps {
  registry: CameraRegistry;
  streams: {
    acquire(id: string, user: string): Promise<void>;
    release(id: string, user: string): Promise<void>;
    users(id: string): string[];
    publisher(id: string): { stopping: boolean; supervisor?: { running: boolean } | undefined };
    pathInfo(id: string): Promise<{ available: boolean; readers: unknown[] } | undefined>;
  };
  waitAvailable(id: string, timeoutMs: number): Promise<unknown>;
  sourceUrl(id: string): string;
  library: MediaLibrary;
  diskRefusal(): Promise<string | undefined>;
  catalog: TemplateLookup;
  ffmpegBinary: string;
  liveTap: boolean;
  quality: number;
  maxAgeMs: number;
  timeoutMs: number;
  /** The clip an idle camera's stream starts from, when it is a file (test-pattern loops). */
  idleClip?: (id: string) => Promise<string | undefined>;
  /** Seconds between re-evaluations of which taps should run (default 2). */
  tapCheckMs?: number;
  log: Logger;
}

export class SnapshotService extends EventEmitter<SnapshotEvents> {
  readonly #taps = new Map<string, LiveTap>();
  readonly #evaluating = new Map<string, Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(private readonly d: SnapshotDeps) {
    super();
  }

  start(): void {
    if (!this.d.liveTap) return;
    this.#timer = setInterval(() => {
      const ids = new Set([...this.#taps.keys(), ...this.d.registry.list().map((c) => c.id)]);
      for (const id of ids) void this.evaluate(id);
    }, this.d.tapCheckMs ?? 2000);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await Promise.all([...this.#taps.keys()].map((id) => this.#stopTap(id)));
  }

  /** The live tap of a camera, if one runs. */
  tap(id: string): LiveTap | undefined {
    return this.#taps.get(id);
  }

  /** Starts or stops the camera's live tap to match its stream (coalesced per camera). */
  evaluate(id: string): Promise<void> {
    const running = this.#evaluating.get(id);
    if (running) return running;
    const p = this.#evaluate(id).finally(() => this.#evaluating.delete(id));
    this.#evaluating.set(id, p);
    return p;
  }

  async #evaluate(id: string): Promise<void> {
    const want = await this.#wantTap(id).catch(() => false);
    const tap = this.#taps.get(id);
    if (want && (!tap || tap.exited)) this.#startTap(id);
    else if (!want && tap) await this.#stopTap(id);
  }

  async #wantTap(id: string): Promise<boolean> {
    if (!this.d.liveTap || this.#closed) return false;
    const pub = this.d.streams.publisher(id);
    if (!pub.supervisor?.running || pub.stopping) return false;
    const info = await this.d.streams.pathInfo(id);
    if (!info?.available) return false;
    if (this.d.streams.users(id).some((u) => !u.startsWith('reader:'))) return true;
    const ownReaders = this.#taps.get(id)?.connected ? 1 : 0;
    return info.readers.length - ownReaders > 0;
  }

  #startTap(id: string): LiveTap {
    const tap = new LiveTap(tapArgv(this.d.ffmpegBinary, this.d.sourceUrl(id), jpegQscale(this.d.quality)));
    this.#taps.set(id, tap);
    tap.on('exit', (summary) => {
      if (this.#taps.get(id) === tap) this.#taps.delete(id);
      if (!this.#closed) this.d.log.debug({ camera: id, summary }, 'live tap ended');
    });
    tap.start();
    this.d.log.debug({ camera: id, pid: tap.pid }, 'live tap started');
    return tap;
  }

  async #stopTap(id: string): Promise<void> {
    const tap = this.#taps.get(id);
    if (!tap) return;
    this.#taps.delete(id);
    await tap.stop();
  }

  /** Default names being written now (reserved so two snapshots in one millisecond do not collide). */
  readonly #pendingNames = new Set<string>();

  async take(device: string, req: { filename?: string; format?: SnapshotFormat; quality?: number }): Promise<SnapshotResult> {
    const started = performance.now();
    const resolved = resolveSnapshotName(req.filename, req.format, (f) => defaultSnapshotName(device, new Date(), f));
    if (!resolved.ok) throw new SnapshotError('invalid_param', `filename ${resolved.problem}`, { param: resolved.param });
    const { format } = resolved;
    let name = resolved.name;
    const camera = this.d.registry.get(device);
    if (!camera) throw new SnapshotError('not_found', `camera '${device}' does not exist`);
    if (camera.status !== 'CONNECTED') throw new SnapshotError('not_connected', `camera ${device} is ${camera.status}`, { state: camera.status });
    // PNG has no quality: any given one is ignored; JPEG needs 1..100.
    const quality = format === 'png' ? undefined : req.quality;
    if (quality !== undefined && quality < 1) throw new SnapshotError('invalid_param', 'quality must be between 1 and 100 for JPEG (png ignores it)', { param: 'quality' });
    // A requested name replaces a snapshot of that name; a default one never does (two in one millisecond get _1, _2, …).
    let reserved: string | undefined;
    try {
      if (req.filename === undefined) name = reserved = await this.#freeDefaultName(name);
      const refusal = await this.d.diskRefusal();
      if (refusal) throw new SnapshotError('disk_full', 'not enough free disk space for a snapshot', { detail: refusal });
      // A read-only or foreign-owned folder is refused before the stream is started for nothing.
      await access(this.d.library.dirs.snapshots, constants.W_OK);
      const jpeg = format !== 'png';
      const tapQuality = quality === undefined || quality === this.d.quality;
      let r: { size: number; source: SnapshotResult['source'] };
      if (this.d.liveTap && jpeg && tapQuality) {
        const fresh = this.#freshFrame(device);
        const idle = fresh ? undefined : await this.#idlePicture(device);
        if (fresh) r = { size: await this.#writeFile(name, fresh.jpeg), source: 'live' };
        else if (idle) r = { size: await this.#writeFile(name, idle), source: 'pattern' };
        else r = await this.#viaStream(device, name);
      } else {
        r = await this.#grab(device, name, format, quality ?? this.d.quality);
      }
      const result: SnapshotResult = { device, filename: name, format, file_size: r.size, takenAt: Date.now(), source: r.source, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
      this.d.log.info({ camera: device, filename: name, bytes: r.size, source: r.source, ms: result.latencyMs }, 'snapshot taken');
      this.emit('taken', result);
      return result;
    } catch (err) {
      const e = err instanceof SnapshotError ? err : snapshotFailure(err, device);
      if (e.code === 'failed' || e.code === 'disk_full' || e.code === 'not_writable' || e.code === 'ffmpeg_missing') {
        this.d.log.warn({ camera: device, filename: name, err: e.extra.detail ?? e.message }, 'snapshot failed');
        const reason = e.code === 'disk_full' ? 'disk_full' : e.code === 'not_writable' ? 'storage_not_writable' : 'capture_failed';
        this.emit('error', { device, filename: name, reason, error: e.message });
      }
      throw e;
    } finally {
      if (reserved !== undefined) this.#pendingNames.delete(reserved);
    }
  }

  /** `name`, or `<stem>_1.<ext>`, `_2`, … when a snapshot of that name exists or is being written. */
  async #freeDefaultName(name: string): Promise<string> {
    const dot = name.lastIndexOf('.');
    for (let k = 0; ; k++) {
      const candidate = k === 0 ? name : `${name.slice(0, dot)}_${k}${name.slice(dot)}`;
      if (this.#pendingNames.has(candidate)) continue;
      const exists = await this.d.library.stat('snapshots', candidate);
      if (exists || this.#pendingNames.has(candidate)) continue;
      this.#pendingNames.add(candidate);
      return candidate;
    }
  }

  #freshFrame(id: string): TapFrame | undefined {
    const f = this.#taps.get(id)?.latest;
    return f && Date.now() - f.at <= this.d.maxAgeMs ? f : undefined;
  }

  /** First pictures of idle clips, by clip and JPEG scale (a few tens of KB per test-pattern camera). */
  readonly #idlePictures = new Map<string, Promise<Buffer>>();

  /**
   * An idle camera whose stream would start from a file (a test-pattern loop): the clip's
   * first picture, decoded once per clip and quality. Undefined while the camera streams
   * (then its tap or its stream has the current picture) or for any other camera.
   */
  async #idlePicture(id: string): Promise<Buffer | undefined> {
    if (!this.d.idleClip || this.d.streams.publisher(id).supervisor) return undefined;
    const clip = await this.d.idleClip(id);
    if (!clip) return undefined;
    const qscale = jpegQscale(this.d.quality);
    const key = `${clip}|${qscale}`;
    let picture = this.#idlePictures.get(key);
    if (!picture) {
      picture = this.#firstPicture(clip, qscale);
      this.#idlePictures.set(key, picture);
      picture.catch(() => this.#idlePictures.delete(key));
    }
    return picture;
  }

  async #firstPicture(clip: string, qscale: number): Promise<Buffer> {
    const { JpegDecoder, firstPictureArgv } = await idleReaders();
    const decoder = new JpegDecoder(firstPictureArgv(this.d.ffmpegBinary, clip, qscale), { stdin: false });
    try {
      return await decoder.jpeg(undefined, this.d.timeoutMs);
    } finally {
      await decoder.stop().catch(() => undefined);
    }
  }

  /**
   * A camera that is not streaming: holds its stream (which starts the publisher), reads the
   * stream's first keyframe straight from MediaMTX (an RTSP reader that asks while the
   * publisher starts gets its first picture, a keyframe) and decodes it to a JPEG with an
   * FFmpeg started meanwhile. A path that answers before its publisher is ready (not started
   * on demand) is read again once available, and the live tap is used when that fails too. A stream that is not H.264 falls back to the live
   * tap's next keyframe, and so does a camera that streams but whose tap has no picture yet.
   */
  async #viaStream(id: string, name: string): Promise<{ size: number; source: 'stream' }> {
    const t0 = performance.now();
    if (this.d.streams.publisher(id).supervisor?.running) {
      // It streams (its first keyframe is gone) but its tap has no picture yet: the tap's next one, and the tap keeps running.
      await this.d.streams.acquire(id, 'snapshot');
      try {
        return await this.#viaTap(id, name, Date.now() + this.d.timeoutMs);
      } finally {
        await this.d.streams.release(id, 'snapshot');
      }
    }
    const { JpegDecoder, keyframeJpegArgv, readKeyframe, UnsupportedCodec } = await idleReaders();
    const decoder = new JpegDecoder(keyframeJpegArgv(this.d.ffmpegBinary, jpegQscale(this.d.quality)), { stdin: true });
    await this.d.streams.acquire(id, 'snapshot');
    try {
      const deadline = Date.now() + this.d.timeoutMs;
      let keyframe: Awaited<ReturnType<IdleReaders['readKeyframe']>> | undefined;
      try {
        keyframe = await readKeyframe(this.d.sourceUrl(id), this.d.timeoutMs);
      } catch (err) {
        if (err instanceof UnsupportedCodec) return await this.#viaTap(id, name, deadline);
        // Not there yet and not held by MediaMTX (a path without on-demand start): once it is
        // available; and if the reader cannot read it at all, the tap.
        this.d.log.debug({ camera: id, err: (err as Error).message }, 'snapshot: first keyframe read failed; reading once the path is available');
        await this.d.waitAvailable(id, Math.max(1000, deadline - Date.now()));
        try {
          keyframe = await readKeyframe(this.d.sourceUrl(id), Math.max(1000, Math.min(3000, deadline - Date.now())));
        } catch (again) {
          this.d.log.warn({ camera: id, err: (again as Error).message }, 'snapshot: the stream\'s keyframe could not be read; using the live tap');
          return await this.#viaTap(id, name, deadline);
        }
      }
      const jpeg = await decoder.jpeg(keyframe.annexB, Math.max(1000, deadline - Date.now()));
      const size = await this.#writeFile(name, jpeg);
      const ms = (v: number) => Math.round(v * 10) / 10;
      const { describedMs, playingMs, keyframeMs } = keyframe.times;
      this.d.log.debug({ camera: id, described: ms(describedMs), playing: ms(playingMs), keyframe: ms(keyframeMs), jpeg: ms(performance.now() - t0) }, 'snapshot from the stream\'s first keyframe');
      return { size, source: 'stream' };
    } finally {
      await decoder.stop().catch(() => undefined);
      await this.d.streams.release(id, 'snapshot');
    }
  }

  /** The live tap's next keyframe (the stream is held by the caller). */
  async #viaTap(id: string, name: string, deadline: number): Promise<{ size: number; source: 'stream' }> {
    await this.d.waitAvailable(id, Math.max(1000, deadline - Date.now()));
    let tap = this.#taps.get(id);
    if (!tap || tap.exited) {
      await this.evaluate(id);
      tap = this.#taps.get(id) ?? this.#startTap(id);
    }
    const frame = this.#freshFrame(id) ?? (await tap.nextFrame(Math.max(1000, deadline - Date.now())));
    return { size: await this.#writeFile(name, frame.jpeg), source: 'stream' };
  }

  /** A one-shot FFmpeg grab of the published stream (PNG, or a quality other than the tap's). */
  async #grab(id: string, name: string, format: SnapshotFormat, quality: number): Promise<{ size: number; source: 'grab' }> {
    await this.d.streams.acquire(id, 'snapshot');
    const tmp = this.#tmpPath(format === 'png' ? 'png' : 'jpg');
    try {
      await this.d.waitAvailable(id, this.d.timeoutMs);
      const plan = planSnapshot({ kind: 'rtsp', url: this.d.sourceUrl(id) }, this.d.catalog, { format, output: tmp, quality, binary: this.d.ffmpegBinary });
      const r = await runFfmpegOnce(plan.argv, { timeoutMs: this.d.timeoutMs });
      if (!r.ok) throw new Error(`FFmpeg ${r.summary}: ${r.stderr.slice(-2).join(' | ')}`);
      return { size: await this.#publish(tmp, name), source: 'grab' };
    } finally {
      await unlinkQuiet(tmp).catch(() => undefined);
      await this.d.streams.release(id, 'snapshot');
    }
  }

  #tmpPath(ext: string): string {
    return join(this.d.library.dirs.snapshots, `.snap-${randomBytes(6).toString('hex')}.${ext}`);
  }

  async #writeFile(name: string, data: Buffer): Promise<number> {
    const tmp = this.#tmpPath('tmp');
    try {
      await writeFile(tmp, data, { flag: 'wx' });
      return await this.#publish(tmp, name);
    } finally {
      await unlinkQuiet(tmp).catch(() => undefined);
    }
  }

  /** Gives a complete temporary file its name, atomically; an existing snapshot of that name is replaced (as the replaced service did). */
  async #publish(tmp: string, name: string): Promise<number> {
    try {
      await rename(tmp, this.d.library.path('snapshots', name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOSPC') throw new SnapshotError('disk_full', 'the disk is full', { detail: (err as Error).message });
      throw err;
    }
    const st = await this.d.library.stat('snapshots', name);
    return st?.size ?? 0;
  }
}

/** A failure of the capture or the write, by kind (disk full, folder not writable, FFmpeg missing, other). */
function snapshotFailure(err: unknown, device: string): SnapshotError {
  const detail = (err as Error).message;
  switch (classifyMediaFailure(err)) {
    case 'disk_full':
      return new SnapshotError('disk_full', 'the disk is full', { detail });
    case 'storage_not_writable':
      return new SnapshotError('not_writable', `the snapshots folder is not writable (${(err as NodeJS.ErrnoException).code ?? 'write refused'})`, { detail });
    case 'ffmpeg_missing':
      return new SnapshotError('ffmpeg_missing', 'FFmpeg cannot be run', { detail });
    default:
      return new SnapshotError('failed', `the snapshot of ${device} failed`, { detail });
  }
}
