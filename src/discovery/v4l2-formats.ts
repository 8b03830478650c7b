/**
 * Pure parser for `v4l2-ctl --list-formats-ext` output.
 *
 * Accepts the current layout (`[0]: 'YUYV' (YUYV 4:2:2)`), the pre-1.14 layout
 * (`Index : 0` / `Pixel Format: 'MJPG' (compressed)` / `Name : Motion-JPEG`), discrete,
 * stepwise and continuous frame sizes and intervals, and text printed before or between the
 * listings (such as `-D` driver info or tool warnings), which is ignored.
 *
 * v4l2-ctl prints a discrete interval as seconds and fps with three decimals only
 * ("0.033s (29.970 fps)"); the exact fraction is reconstructed from the fps figure
 * (see {@link intervalFromFps}).
 */

export interface FrameInterval {
  /** Frame interval as a fraction of a second: num/den s (fps = den/num). */
  num: number;
  den: number;
  /** Frames per second as printed (three decimals). */
  fps: number;
}

export interface DiscreteSize {
  type: 'discrete';
  width: number;
  height: number;
  intervals: FrameInterval[];
  /** Stepwise/continuous interval ranges reported for this size (rare; cameras list discrete ones). */
  intervalRanges: IntervalRange[];
}

export interface SizeRange {
  type: 'stepwise' | 'continuous';
  minWidth: number;
  minHeight: number;
  maxWidth: number;
  maxHeight: number;
  /** 1 for continuous sizes. */
  stepWidth: number;
  stepHeight: number;
}

export interface IntervalRange {
  type: 'stepwise' | 'continuous';
  /** Shortest interval, i.e. the highest frame rate. */
  min: FrameInterval;
  /** Longest interval, i.e. the lowest frame rate. */
  max: FrameInterval;
  /** Step between intervals; null for continuous ranges. */
  step: FrameInterval | null;
}

export type FrameSize = DiscreteSize | SizeRange;

export interface PixelFormat {
  /** Four-character code with trailing spaces removed ("YUYV", "MJPG", "H264", "Y10"); v4l2-ctl appends "-BE" for big-endian variants ("Y16 -BE"). */
  fourcc: string;
  description: string;
  /** From the "compressed" flag, or a fourcc known to be compressed when the flag is absent. */
  compressed: boolean;
  /** libv4l emulated format (only seen with v4l2-ctl -w). */
  emulated: boolean;
  /** Other format flags as printed ("continuous-bytestream", "dyn-resolution", …). */
  flags: string[];
  /** Buffer type the format was listed under, e.g. "Video Capture", "Video Capture Multiplanar". */
  bufferType: string;
  /** Frame sizes in the order listed; duplicates listed by buggy firmware are merged. */
  sizes: FrameSize[];
}

/** Fourccs that are compressed bitstreams (used when v4l2-ctl prints no "compressed" flag). */
export const COMPRESSED_FOURCCS: ReadonlySet<string> = new Set([
  'MJPG', 'JPEG', 'dmb1', 'H264', 'H263', 'HEVC', 'H265', 'AVC1', 'M264', 'S264', 'VP80', 'VP90', 'AV1F',
  'MPG1', 'MPG2', 'MPG4', 'XVID', 'VC1G', 'VC1L', 'FWHT', 'MPEG', 'CJPG', 'S263',
]);

/** Well-known exact frame rates that print as rounded decimals. */
const NTSC_RATES: ReadonlyArray<readonly [number, number]> = [
  [24000, 1001], [30000, 1001], [48000, 1001], [60000, 1001], [120000, 1001], [240000, 1001],
];

/**
 * Reconstructs the interval fraction from an fps figure printed with three decimals:
 * NTSC rates (29.970 → 1001/30000), otherwise the simplest fraction within the printed
 * precision (7.500 → 2/15, 30.000 → 1/30).
 */
export function intervalFromFps(fps: number): { num: number; den: number } {
  if (!(fps > 0) || !Number.isFinite(fps)) return { num: 0, den: 0 };
  for (const [n, d] of NTSC_RATES) {
    if (Math.abs(fps - n / d) < 0.0006) return { num: d, den: n };
  }
  // Continued fraction of fps; stop at the first convergent within the printed precision.
  let h0 = 0, h1 = 1, k0 = 1, k1 = 0;
  let x = fps;
  for (let i = 0; i < 20; i++) {
    const a = Math.floor(x);
    const h2 = a * h1 + h0, k2 = a * k1 + k0;
    h0 = h1; h1 = h2; k0 = k1; k1 = k2;
    if (Math.abs(fps - h1 / k1) < 0.0005 || x - a < 1e-9) break;
    x = 1 / (x - a);
  }
  return { num: k1, den: h1 };
}

/** Interval from the seconds figure (used for ranges, which print seconds and fps). */
function interval(seconds: number, fps: number | null): FrameInterval {
  const f = fps ?? (seconds > 0 ? 1 / seconds : 0);
  const { num, den } = intervalFromFps(f);
  return { num, den, fps: round3(f) };
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

const RE_TYPE = /^\s*Type\s*:\s*(.+?)\s*$/;
const RE_NEW_FMT = /^\s*\[(\d+)\]:\s*'([^']{1,8})'\s*(?:\((.*)\))?\s*$/;
const RE_OLD_INDEX = /^\s*Index\s*:\s*(\d+)\s*$/;
const RE_OLD_PIXFMT = /^\s*Pixel Format\s*:\s*'([^']{1,8})'\s*(?:\((.*)\))?\s*$/;
const RE_OLD_NAME = /^\s*Name\s*:\s*(.*?)\s*$/;
const RE_SIZE_DISCRETE = /^\s*Size:\s*Discrete\s+(\d+)x(\d+)\s*$/;
const RE_SIZE_STEPWISE = /^\s*Size:\s*Stepwise\s+(\d+)x(\d+)\s*-\s*(\d+)x(\d+)\s+with step\s+(\d+)\/(\d+)\s*$/;
const RE_SIZE_CONTINUOUS = /^\s*Size:\s*Continuous\s+(\d+)x(\d+)\s*-\s*(\d+)x(\d+)\s*$/;
const NUM = '(\\d+(?:\\.\\d+)?)';
const RE_IVAL_DISCRETE = new RegExp(`^\\s*Interval:\\s*Discrete\\s+${NUM}s\\s*\\(${NUM}\\s*fps\\)\\s*$`);
const RE_IVAL_STEPWISE = new RegExp(`^\\s*Interval:\\s*Stepwise\\s+${NUM}s\\s*-\\s*${NUM}s\\s+with step\\s+${NUM}s\\s*\\(${NUM}-${NUM}\\s*fps\\)\\s*$`);
const RE_IVAL_CONTINUOUS = new RegExp(`^\\s*Interval:\\s*Continuous\\s+${NUM}s\\s*-\\s*${NUM}s\\s*\\(${NUM}-${NUM}\\s*fps\\)\\s*$`);

/** Splits "(Motion-JPEG, compressed)" contents into description and lower-case flag words. */
function splitDescription(inner: string | undefined): { description: string; flags: string[] } {
  if (inner === undefined) return { description: '', flags: [] };
  const parts = inner.split(', ');
  const flags: string[] = [];
  while (parts.length > 0 && /^[a-z][a-z0-9-]*$/.test(parts[parts.length - 1]!)) flags.unshift(parts.pop()!);
  return { description: parts.join(', ').trim(), flags };
}

function newFormat(fourccRaw: string, inner: string | undefined, bufferType: string): PixelFormat {
  const fourcc = fourccRaw.replace(/\s+$/, '');
  const { description, flags } = splitDescription(inner);
  const compressed = flags.includes('compressed') || COMPRESSED_FOURCCS.has(fourcc);
  const emulated = flags.includes('emulated');
  return {
    fourcc,
    description,
    compressed,
    emulated,
    flags: flags.filter((f) => f !== 'compressed' && f !== 'emulated'),
    bufferType,
    sizes: [],
  };
}

function sameRange(a: SizeRange, b: SizeRange): boolean {
  return a.type === b.type && a.minWidth === b.minWidth && a.minHeight === b.minHeight && a.maxWidth === b.maxWidth &&
    a.maxHeight === b.maxHeight && a.stepWidth === b.stepWidth && a.stepHeight === b.stepHeight;
}

/**
 * Parses `v4l2-ctl --list-formats-ext`. Returns the formats in listed order; an empty array
 * for a node that lists none (metadata nodes, an idle v4l2loopback output).
 * Duplicate sizes and intervals (some firmwares list 1920x1080 twice) are merged.
 */
export function parseListFormatsExt(text: string): PixelFormat[] {
  const formats: PixelFormat[] = [];
  let bufferType = 'Video Capture';
  let fmt: PixelFormat | null = null;
  let size: DiscreteSize | null = null;
  /** Old layout: the Type line comes after Index and before Pixel Format. */
  let oldPending = false;

  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s+$/, '');
    if (line.trim() === '') continue;
    let m: RegExpExecArray | null;

    if ((m = RE_NEW_FMT.exec(line))) {
      fmt = newFormat(m[2]!, m[3], bufferType);
      formats.push(fmt);
      size = null;
      continue;
    }
    if (RE_OLD_INDEX.test(line)) { oldPending = true; fmt = null; size = null; continue; }
    if ((m = RE_TYPE.exec(line))) { bufferType = m[1]!; continue; }
    if ((m = RE_OLD_PIXFMT.exec(line))) {
      fmt = newFormat(m[1]!, m[2], bufferType);
      formats.push(fmt);
      size = null;
      oldPending = false;
      continue;
    }
    if (fmt && (m = RE_OLD_NAME.exec(line))) {
      // Old layout: "Name: Motion-JPEG" after "Pixel Format: 'MJPG' (compressed)"; the
      // parenthesis there held only flags.
      const flagsOnly = fmt.description !== '' && /^[a-z][a-z0-9, -]*$/.test(fmt.description);
      if (flagsOnly) {
        for (const f of fmt.description.split(', ')) {
          if (f === 'compressed') fmt.compressed = true;
          else if (f === 'emulated') fmt.emulated = true;
          else fmt.flags.push(f);
        }
      }
      if (fmt.description === '' || flagsOnly) fmt.description = m[1]!;
      continue;
    }
    if (!fmt || oldPending) continue; // text outside a format listing (e.g. -D driver info)

    if ((m = RE_SIZE_DISCRETE.exec(line))) {
      const width = Number(m[1]), height = Number(m[2]);
      const existing = fmt.sizes.find((s): s is DiscreteSize => s.type === 'discrete' && s.width === width && s.height === height);
      if (existing) size = existing;
      else {
        size = { type: 'discrete', width, height, intervals: [], intervalRanges: [] };
        fmt.sizes.push(size);
      }
      continue;
    }
    if ((m = RE_SIZE_STEPWISE.exec(line)) || (m = RE_SIZE_CONTINUOUS.exec(line))) {
      const stepwise = m.length > 5 && m[5] !== undefined;
      const range: SizeRange = {
        type: stepwise ? 'stepwise' : 'continuous',
        minWidth: Number(m[1]), minHeight: Number(m[2]), maxWidth: Number(m[3]), maxHeight: Number(m[4]),
        stepWidth: stepwise ? Number(m[5]) : 1, stepHeight: stepwise ? Number(m[6]) : 1,
      };
      if (!fmt.sizes.some((s) => s.type !== 'discrete' && sameRange(s, range))) fmt.sizes.push(range);
      size = null;
      continue;
    }
    if ((m = RE_IVAL_DISCRETE.exec(line))) {
      if (!size) continue;
      const fps = Number(m[2]);
      const iv = interval(Number(m[1]), fps);
      if (!size.intervals.some((i) => i.num === iv.num && i.den === iv.den)) size.intervals.push(iv);
      continue;
    }
    if ((m = RE_IVAL_STEPWISE.exec(line))) {
      if (!size) continue;
      // "Stepwise 0.033s - 1.000s with step 0.033s (1.000-30.000 fps)"
      size.intervalRanges.push({
        type: 'stepwise',
        min: interval(Number(m[1]), Number(m[5])),
        max: interval(Number(m[2]), Number(m[4])),
        step: interval(Number(m[3]), null),
      });
      continue;
    }
    if ((m = RE_IVAL_CONTINUOUS.exec(line))) {
      if (!size) continue;
      size.intervalRanges.push({
        type: 'continuous',
        min: interval(Number(m[1]), Number(m[4])),
        max: interval(Number(m[2]), Number(m[3])),
        step: null,
      });
      continue;
    }
    // Anything else inside a listing is noise (warnings, prompts): ignore it.
  }
  return formats;
}

/** Highest frame rate a discrete size offers (from discrete intervals and ranges); null if none listed. */
export function maxFpsOf(size: DiscreteSize): number | null {
  let best: number | null = null;
  for (const i of size.intervals) if (best === null || i.fps > best) best = i.fps;
  for (const r of size.intervalRanges) if (best === null || r.min.fps > best) best = r.min.fps;
  return best;
}
