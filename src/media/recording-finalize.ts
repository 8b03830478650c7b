/**
 * What happens to a recording's files after its FFmpeg has exited: an incomplete last MP4
 * fragment is cut, `mp4`/`mkv` are remuxed in place (atomically, through a temporary file)
 * unless that is deferred to the next start, and the media duration is read from the files.
 * The files stay playable at every step (fragmented MP4 / Matroska clusters before, the
 * remuxed file after its rename).
 */
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../observability/logger.js';
import { runFfmpegOnce } from '../streaming/ffmpeg/one-shot.js';
import { unlinkQuiet, type MediaLibrary } from './library.js';
import { recordingParts } from './recorder.js';
import { remuxArgv } from './recorder-argv.js';
import type { RecordingFormat } from './names.js';

export interface FinalizeInput {
  library: MediaLibrary;
  ffmpegBinary: string;
  base: string;
  ext: 'mp4' | 'mkv';
  format: RecordingFormat;
  /** Leave the remux to the next start (shutdown). */
  deferRemux: boolean;
  /** Seconds of media FFmpeg reported, used when a file's duration cannot be read. */
  reportedSeconds: number;
  log: Logger;
}

export interface Finalized {
  parts: { name: string; size: number }[];
  /** Seconds of media, read from the files (or as reported). */
  duration: number;
}

/** mkv-finish and mp4-truncate, loaded when first needed: a host that never records never holds them. */
export async function fileEndChecks(): Promise<typeof import('./mkv-finish.js') & typeof import('./mp4-truncate.js')> {
  const [mkv, mp4] = await Promise.all([import('./mkv-finish.js'), import('./mp4-truncate.js')]);
  return { ...mkv, ...mp4 };
}

export async function finalizeRecording(o: FinalizeInput): Promise<Finalized> {
  const dir = o.library.dirs.recordings;
  let parts = await recordingParts(dir, o.base, o.ext);
  // A fragment FFmpeg only half wrote (killed, disk full, a write aborted by a second stop
  // signal) is dropped; for a finished file this finds nothing to cut. Matroska: an incomplete
  // cluster is dropped and the Segment size and Duration are written in place, so a file whose
  // writer could not finish (disk full) still has its duration.
  // The file-end checks are loaded with the first recording that ends (idle memory).
  const { finishMkv, truncateToLastFragment } = await fileEndChecks();
  for (const p of parts) {
    try {
      const file = join(dir, p.name);
      if (o.ext === 'mp4') {
        const r = truncateToLastFragment(file);
        if (r.cutBytes > 0) o.log.info({ file: p.name, cutBytes: r.cutBytes, fragments: r.fragments }, 'dropped an incomplete last fragment');
      } else {
        const r = finishMkv(file);
        if (r.cutBytes > 0 || r.edited) o.log.info({ file: p.name, cutBytes: r.cutBytes, seconds: r.seconds }, 'finished a Matroska file its writer left incomplete');
      }
    } catch (err) {
      o.log.warn({ file: p.name, err: (err as Error).message }, 'could not check the end of the file');
    }
  }
  parts = await recordingParts(dir, o.base, o.ext);
  if (o.format !== 'fmp4' && !o.deferRemux && parts.length > 0) {
    for (const p of parts) {
      const r = await remuxInPlace(o.ffmpegBinary, dir, join(dir, p.name), o.format);
      if (!r.ok) o.log.warn({ file: p.name, summary: r.summary }, 'remux failed; the recording keeps its fragmented form');
      o.library.changed('recordings', p.name);
    }
    parts = await recordingParts(dir, o.base, o.ext);
  }
  const durations = await Promise.all(
    parts.map(async (p) => {
      const file = await o.library.stat('recordings', p.name);
      return file ? o.library.duration(file) : null;
    }),
  );
  const duration = durations.every((d) => d !== null) ? durations.reduce<number>((n, d) => n + (d ?? 0), 0) : o.reportedSeconds;
  return { parts, duration };
}

/** Remux of a finished recording in place (through a temporary file); used by recovery too. */
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
