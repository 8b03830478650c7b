/**
 * Capture modes chosen by an operator (pure): checks a requested format/size/frame rate
 * against what the device offers (its parsed `--list-formats-ext`), or against the limits of
 * a test-pattern camera, and returns the mode to drive it in.
 */
import { formatRank, fpsToInt, type ModeChoice } from '../../discovery/mode-policy.js';
import type { PixelFormat } from '../../discovery/v4l2-formats.js';

export interface ModeRequest {
  /** fourcc (YUYV, MJPG, H264, …); absent: the best offered format (policy order) with this size and rate. */
  format?: string;
  width: number;
  height: number;
  fps: number;
}

export type ModeMatch = { ok: true; mode: ModeChoice } | { ok: false; param: string; rule: string; reason: string };

const sameFps = (offered: number, wanted: number): boolean => Math.abs(offered - wanted) < 0.01 || fpsToInt(offered) === wanted;

/** The device mode for a request, or why the device does not offer it. */
export function matchMode(formats: readonly PixelFormat[], want: ModeRequest, preferredFormats?: string[]): ModeMatch {
  const wantedFormat = want.format?.toUpperCase();
  const pool = formats
    .filter((f) => wantedFormat === undefined || f.fourcc.toUpperCase() === wantedFormat)
    .sort((a, b) => formatRank(a, preferredFormats ? { preferredFormats } : undefined) - formatRank(b, preferredFormats ? { preferredFormats } : undefined));
  if (pool.length === 0) {
    return { ok: false, param: 'format', rule: 'offered', reason: `the camera does not offer ${want.format}; it offers ${[...new Set(formats.map((f) => f.fourcc))].join(', ') || 'no formats'}` };
  }
  let sizeSeen = false;
  const ratesSeen = new Set<number>();
  for (const f of pool) {
    for (const s of f.sizes) {
      if (s.type === 'discrete') {
        if (s.width !== want.width || s.height !== want.height) continue;
        sizeSeen = true;
        const exact = s.intervals.find((i) => sameFps(i.fps, want.fps));
        if (exact) return { ok: true, mode: choice(f, want, exact.fps, { num: exact.num, den: exact.den }, false) };
        const ranged = s.intervalRanges.find((r) => want.fps <= r.min.fps + 1e-6 && want.fps >= r.max.fps - 1e-6);
        if (ranged) return { ok: true, mode: choice(f, want, want.fps, { num: 1, den: want.fps }, false) };
        if (s.intervals.length === 0 && s.intervalRanges.length === 0) return { ok: true, mode: choice(f, want, want.fps, null, false) };
        for (const i of s.intervals) ratesSeen.add(fpsToInt(i.fps));
      } else {
        const fits = want.width >= s.minWidth && want.width <= s.maxWidth && want.height >= s.minHeight && want.height <= s.maxHeight &&
          (want.width - s.minWidth) % Math.max(1, s.stepWidth) === 0 && (want.height - s.minHeight) % Math.max(1, s.stepHeight) === 0;
        if (fits) return { ok: true, mode: choice(f, want, want.fps, null, true) };
      }
    }
  }
  const which = wantedFormat ? `${want.format} ` : '';
  if (!sizeSeen) return { ok: false, param: 'width', rule: 'offered', reason: `the camera does not offer ${which}${want.width}x${want.height}` };
  return {
    ok: false,
    param: 'fps',
    rule: 'offered',
    reason: `the camera does not offer ${want.fps} fps at ${which}${want.width}x${want.height}; it offers ${[...ratesSeen].sort((a, b) => b - a).join(', ')}`,
  };
}

function choice(f: PixelFormat, want: ModeRequest, fps: number, interval: { num: number; den: number } | null, fromRange: boolean): ModeChoice {
  return {
    format: f.fourcc,
    width: want.width,
    height: want.height,
    fps,
    interval,
    compressed: f.compressed,
    fromRange,
    reason: `${f.fourcc} ${want.width}x${want.height}@${fps}: set by an operator (set_camera_mode)`,
  };
}

/** Limits of a test-pattern camera's mode (those of `test_cameras.patterns`): H.264, even sizes. */
export function matchTestPatternMode(want: ModeRequest): ModeMatch {
  if (want.format !== undefined && want.format.toUpperCase() !== 'H264') return { ok: false, param: 'format', rule: 'offered', reason: 'a test-pattern camera offers H264 only' };
  if (want.width < 16 || want.width > 3840 || want.width % 2 !== 0) return { ok: false, param: 'width', rule: 'offered', reason: 'a test-pattern camera takes an even width of 16..3840' };
  if (want.height < 16 || want.height > 2160 || want.height % 2 !== 0) return { ok: false, param: 'height', rule: 'offered', reason: 'a test-pattern camera takes an even height of 16..2160' };
  if (!Number.isInteger(want.fps) || want.fps < 1 || want.fps > 60) return { ok: false, param: 'fps', rule: 'offered', reason: 'a test-pattern camera takes a whole frame rate of 1..60' };
  return {
    ok: true,
    mode: { format: 'H264', width: want.width, height: want.height, fps: want.fps, interval: null, compressed: true, fromRange: true, reason: `test pattern ${want.width}x${want.height}@${want.fps}: set by an operator (set_camera_mode)` },
  };
}
