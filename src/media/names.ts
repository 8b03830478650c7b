/**
 * File names of recordings and snapshots: the one naming scheme that listing, info, delete
 * and download share, and the validation of names that clients send. Pure.
 *
 *   recording  <camera>_<YYYY-MM-DD_HH-MM-SS>.<ext>          (UTC, the session's start)
 *   its parts  <camera>_<YYYY-MM-DD_HH-MM-SS>_part<N>.<ext>  (N ≥ 2, past recording.segment_duration_s)
 *   snapshot   <camera>_<YYYY-MM-DD_HH-MM-SS>_<mmm>.<ext>    (or a validated custom name)
 */

export type RecordingFormat = 'fmp4' | 'mp4' | 'mkv';
export const RECORDING_FORMATS: readonly RecordingFormat[] = ['fmp4', 'mp4', 'mkv'];

export type SnapshotFormat = 'jpg' | 'jpeg' | 'png';

export const MAX_NAME_BYTES = 255;

/** Why a client-supplied file name is refused, or undefined when it is acceptable. */
export function fileNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'must be a string';
  if (name === '') return 'must not be empty';
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) return `must be at most ${MAX_NAME_BYTES} bytes`;
  if (name.includes('\0')) return 'must not contain NUL';
  if (name.includes('/') || name.includes('\\')) return 'must be a single path component (no / or \\)';
  if (name.startsWith('.')) return 'must not start with "."';
  // Control characters have no place in a file name a client downloads (header injection, logs).
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'must not contain control characters';
  // Percent-encoded separators or NUL: a client or proxy that decodes once more would see a path.
  if (/%(2f|5c|00)/i.test(name)) return 'must not contain encoded separators (%2F, %5C, %00)';
  return undefined;
}

export function isValidFileName(name: unknown): name is string {
  return fileNameProblem(name) === undefined;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `2026-01-15_14-30-00` (UTC). */
export function fileTimestamp(at: Date): string {
  return `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}_${pad(at.getUTCHours())}-${pad(at.getUTCMinutes())}-${pad(at.getUTCSeconds())}`;
}

export function recordingExtension(format: RecordingFormat): 'mp4' | 'mkv' {
  return format === 'mkv' ? 'mkv' : 'mp4';
}

/** `camera0_2026-01-15_14-30-00`; `attempt` > 1 disambiguates two sessions started in one second. */
export function recordingBase(camera: string, at: Date, attempt = 1): string {
  return `${camera}_${fileTimestamp(at)}${attempt > 1 ? `-${attempt}` : ''}`;
}

/** Part 1 is the recording's own name; later parts carry `_part<N>`. */
export function partName(base: string, ext: string, part: number): string {
  return part <= 1 ? `${base}.${ext}` : `${base}_part${part}.${ext}`;
}

/** The part number of `name` if it is a part of the recording `base.ext`, else undefined. */
export function partNumberOf(name: string, base: string, ext: string): number | undefined {
  if (name === `${base}.${ext}`) return 1;
  const prefix = `${base}_part`;
  const suffix = `.${ext}`;
  if (!name.startsWith(prefix) || !name.endsWith(suffix)) return undefined;
  const digits = name.slice(prefix.length, name.length - suffix.length);
  if (!/^[1-9][0-9]{0,5}$/.test(digits)) return undefined;
  return Number(digits);
}

/** The FFmpeg segment-muxer pattern of a recording's parts (`%d` is the part number). */
export function partPattern(base: string, ext: string): string {
  return `${base.replace(/%/g, '%%')}_part%d.${ext}`;
}

export function snapshotExtension(format: SnapshotFormat): 'jpg' | 'jpeg' | 'png' {
  return format;
}

/**
 * Default snapshot name: `camera0_2026-01-15_14-30-00_123.jpg` (milliseconds keep bursts apart;
 * the snapshot service makes a second one in the same millisecond `…_123_1.jpg`).
 */
export function defaultSnapshotName(camera: string, at: Date, format: SnapshotFormat): string {
  return `${camera}_${fileTimestamp(at)}_${pad(at.getUTCMilliseconds(), 3)}.${snapshotExtension(format)}`;
}

const IMAGE_EXT = /\.(jpe?g|png)$/i;

/**
 * The name and format of a snapshot from the request's `filename?` and `format?`: a custom
 * name keeps its image extension (which then decides the format when none is given) or gets
 * the format's extension appended. Returns a problem text for a conflict.
 */
export function resolveSnapshotName(
  requested: string | undefined,
  format: SnapshotFormat | undefined,
  fallback: (format: SnapshotFormat) => string,
): { ok: true; name: string; format: SnapshotFormat } | { ok: false; param: 'filename' | 'format'; problem: string } {
  if (requested === undefined) {
    const f = format ?? 'jpg';
    return { ok: true, name: fallback(f), format: f };
  }
  const problem = fileNameProblem(requested);
  if (problem) return { ok: false, param: 'filename', problem };
  const m = IMAGE_EXT.exec(requested);
  if (m) {
    const ext = m[1]!.toLowerCase() as SnapshotFormat;
    const isPng = ext === 'png';
    if (format !== undefined && (format === 'png') !== isPng) {
      return { ok: false, param: 'filename', problem: `extension .${m[1]} does not match format ${format}` };
    }
    return { ok: true, name: requested, format: format ?? ext };
  }
  const f = format ?? 'jpg';
  const name = `${requested}.${snapshotExtension(f)}`;
  const again = fileNameProblem(name);
  if (again) return { ok: false, param: 'filename', problem: again };
  return { ok: true, name, format: f };
}

/** The HTTP path of a file: `/files/recordings/<name>` (name percent-encoded). */
export function downloadUrl(kind: 'recordings' | 'snapshots', name: string): string {
  return `/files/${kind}/${encodeURIComponent(name)}`;
}
