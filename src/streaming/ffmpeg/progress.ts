/**
 * FFmpeg `-progress` output: blocks of `key=value` lines, each ended by `progress=continue`
 * or `progress=end`, written about twice a second. Pure.
 *
 * Over RTSP, `bitrate` and `total_size` are `N/A` (the muxer has no byte counter); the byte
 * count of a published stream comes from MediaMTX's `inboundBytes`.
 */

export interface FfmpegProgress {
  /** Frames written so far by this process. */
  frame: number;
  /** FFmpeg's running average of frames per second (0 during the first second). */
  fps: number;
  /** kbit/s, null when FFmpeg reports N/A. */
  bitrateKbps: number | null;
  /** Bytes written, null when N/A (e.g. RTSP output). */
  totalSizeBytes: number | null;
  /** Output timestamp in microseconds, null when N/A. */
  outTimeUs: number | null;
  dupFrames: number;
  dropFrames: number;
  /** Processing speed relative to real time (1 = real time), null when N/A. */
  speed: number | null;
  /** The last block (`progress=end`): FFmpeg is finishing. */
  end: boolean;
}

function num(value: string | undefined): number | null {
  if (value === undefined) return null;
  const v = value.trim();
  if (v === '' || v === 'N/A') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** `" 499.9kbits/s"` -> 499.9 */
function parseBitrate(value: string | undefined): number | null {
  const m = value === undefined ? null : /^\s*([0-9.]+)\s*kbits\/s\s*$/.exec(value);
  return m ? num(m[1]) : null;
}

/** `" 1.2x"` -> 1.2 */
function parseSpeed(value: string | undefined): number | null {
  const m = value === undefined ? null : /^\s*([0-9.e+-]+)\s*x\s*$/.exec(value);
  return m ? num(m[1]) : null;
}

/** One block's fields (as read from its `key=value` lines) to a typed snapshot. */
export function parseProgressBlock(fields: Readonly<Record<string, string>>): FfmpegProgress {
  return {
    frame: num(fields.frame) ?? 0,
    fps: num(fields.fps) ?? 0,
    bitrateKbps: parseBitrate(fields.bitrate),
    totalSizeBytes: num(fields.total_size),
    // out_time_ms is, despite its name, also in microseconds; prefer the explicit key.
    outTimeUs: num(fields.out_time_us) ?? num(fields.out_time_ms),
    dupFrames: num(fields.dup_frames) ?? 0,
    dropFrames: num(fields.drop_frames) ?? 0,
    speed: parseSpeed(fields.speed),
    end: fields.progress === 'end',
  };
}

/**
 * Incremental parser: feed stdout lines, get a snapshot at the end of each block. Lines that
 * are not `key=value` are ignored, so stray output cannot break it.
 */
export class ProgressParser {
  #fields: Record<string, string> = {};

  push(line: string): FfmpegProgress | undefined {
    const eq = line.indexOf('=');
    if (eq <= 0) return undefined;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1);
    if (key === 'progress') {
      this.#fields.progress = value.trim();
      const snapshot = parseProgressBlock(this.#fields);
      this.#fields = {};
      return snapshot;
    }
    if (/^[a-z0-9_]+$/.test(key)) this.#fields[key] = value;
    return undefined;
  }
}

/** Every snapshot in a complete `-progress` text. */
export function parseProgressText(text: string): FfmpegProgress[] {
  const parser = new ProgressParser();
  const out: FfmpegProgress[] = [];
  for (const line of text.split(/\r?\n/)) {
    const p = parser.push(line);
    if (p) out.push(p);
  }
  return out;
}
