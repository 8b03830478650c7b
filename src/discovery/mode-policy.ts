/**
 * Capture mode policy (pure): which (format, resolution, frame rate) a camera is driven in,
 * and the capability lists the API reports (`formats`, `resolutions`, `fps_options`).
 *
 * Default policy: format preference H264 > MJPG (JPEG) > uncompressed formats > other
 * compressed formats; within the first format that has one, the largest resolution within
 * 1920x1080 that reaches 25 fps, at the highest frame rate ≤ 30 fps it offers there.
 * Fallbacks when no format reaches 25 fps within the size limit, or nothing fits the limit at
 * all, are spelled out in {@link chooseMode}. Explicit settings (format / size / fps) from the
 * config are honoured when the camera offers them; otherwise the reason says why they were not.
 */
import { COMPRESSED_FOURCCS, type DiscreteSize, type FrameSize, type PixelFormat, type SizeRange } from './v4l2-formats.js';

export interface ModePolicy {
  /** Formats in order of preference (fourccs). Unlisted uncompressed formats rank after these, unlisted compressed ones last. */
  preferredFormats: string[];
  maxWidth: number;
  maxHeight: number;
  /** A mode "reaches" the frame-rate goal when it offers at least this many fps. */
  minFps: number;
  /** Highest frame rate to pick by default when a size offers more (e.g. 60 fps modes run at 30). */
  maxFps: number;
  /** Explicit choices from config; each may be given alone. */
  format?: string;
  width?: number;
  height?: number;
  fps?: number;
}

export const DEFAULT_MODE_POLICY: Readonly<ModePolicy> = Object.freeze({
  preferredFormats: ['H264', 'MJPG', 'JPEG'],
  maxWidth: 1920,
  maxHeight: 1080,
  minFps: 25,
  maxFps: 30,
});

/** The chosen mode; field names match the registry's CameraMode plus details. */
export interface ModeChoice {
  format: string;
  width: number;
  height: number;
  /** Frame rate as offered by the device (may be fractional, e.g. 29.97, 7.5). */
  fps: number;
  /** Frame interval to request, num/den seconds; null when the device lists no intervals for the size. */
  interval: { num: number; den: number } | null;
  compressed: boolean;
  /** True when the size comes from a stepwise/continuous range rather than a listed size. */
  fromRange: boolean;
  reason: string;
}

/** Representative sizes offered for stepwise/continuous ranges (largest first). */
export const COMMON_SIZES: ReadonlyArray<readonly [number, number]> = [
  [4096, 2160], [3840, 2160], [2592, 1944], [2560, 1440], [1920, 1080], [1600, 1200], [1280, 960],
  [1280, 720], [1024, 768], [800, 600], [640, 480], [640, 360], [320, 240], [160, 120],
];

/** Representative frame rates for interval ranges (highest first). */
export const COMMON_FPS: readonly number[] = [120, 90, 60, 50, 30, 25, 24, 20, 15, 10, 5, 1];

/** Rank of a format under a policy: lower is better. Never Infinity (every format is usable). */
export function formatRank(format: { fourcc: string; compressed: boolean } | string, policy: Pick<ModePolicy, 'preferredFormats'> = DEFAULT_MODE_POLICY): number {
  const fourcc = typeof format === 'string' ? format : format.fourcc;
  const compressed = typeof format === 'string' ? COMPRESSED_FOURCCS.has(fourcc) : format.compressed;
  const i = policy.preferredFormats.findIndex((p) => p.toUpperCase() === fourcc.toUpperCase());
  if (i >= 0) return i;
  const n = policy.preferredFormats.length;
  const raw = RAW_ORDER.indexOf(fourcc);
  if (!compressed) return n + 1 + (raw < 0 ? RAW_ORDER.length : raw) / 100;
  return n + 10;
}

/** Among uncompressed formats: what FFmpeg ingests most cheaply first. */
const RAW_ORDER = ['YUYV', 'NV12', 'YU12', 'UYVY', 'YVYU', 'NV21', 'YV12', 'RGB3', 'BGR3'];

interface Candidate {
  format: PixelFormat;
  rank: number;
  width: number;
  height: number;
  /** Frame rates offered at this size; empty when the device lists none. */
  fps: { value: number; interval: { num: number; den: number } | null }[];
  fromRange: boolean;
}

function rangeSizes(r: SizeRange): [number, number][] {
  const fits = (w: number, h: number): boolean =>
    w >= r.minWidth && w <= r.maxWidth && h >= r.minHeight && h <= r.maxHeight &&
    (w - r.minWidth) % Math.max(1, r.stepWidth) === 0 && (h - r.minHeight) % Math.max(1, r.stepHeight) === 0;
  const out = COMMON_SIZES.filter(([w, h]) => fits(w, h)).map(([w, h]) => [w, h] as [number, number]);
  if (!out.some(([w, h]) => w === r.maxWidth && h === r.maxHeight)) out.unshift([r.maxWidth, r.maxHeight]);
  return out;
}

function sizeFps(size: DiscreteSize): Candidate['fps'] {
  const out: Candidate['fps'] = size.intervals.map((i) => ({ value: i.fps, interval: { num: i.num, den: i.den } }));
  for (const r of size.intervalRanges) {
    for (const f of COMMON_FPS) {
      if (f <= r.min.fps + 1e-6 && f >= r.max.fps - 1e-6 && !out.some((o) => Math.abs(o.value - f) < 1e-6)) {
        out.push({ value: f, interval: { num: 1, den: f } });
      }
    }
  }
  return out.sort((a, b) => b.value - a.value);
}

function candidates(formats: readonly PixelFormat[], policy: ModePolicy): Candidate[] {
  const out: Candidate[] = [];
  for (const format of formats) {
    const rank = formatRank(format, policy);
    for (const s of format.sizes) {
      if (s.type === 'discrete') out.push({ format, rank, width: s.width, height: s.height, fps: sizeFps(s), fromRange: false });
      else for (const [w, h] of rangeSizes(s)) out.push({ format, rank, width: w, height: h, fps: [], fromRange: true });
    }
  }
  return out;
}

const area = (c: { width: number; height: number }): number => c.width * c.height;
const maxOf = (c: Candidate): number => (c.fps.length === 0 ? Number.NaN : c.fps[0]!.value);

/** Frame rate to run a candidate at: highest ≤ maxFps and ≥ floor, else the lowest above maxFps, else the highest. */
function pickFps(c: Candidate, policy: ModePolicy, floor: number): Candidate['fps'][number] | null {
  if (c.fps.length === 0) return null;
  const within = c.fps.filter((f) => f.value <= policy.maxFps + 1e-6 && f.value >= floor - 1e-6);
  if (within.length > 0) return within[0]!;
  const above = c.fps.filter((f) => f.value > policy.maxFps + 1e-6);
  if (above.length > 0) return above[above.length - 1]!;
  return c.fps[0]!;
}

function describe(c: Candidate, fps: number | null): string {
  return `${c.format.fourcc} ${c.width}x${c.height}${fps === null ? '' : `@${formatFps(fps)}`}`;
}

function formatFps(f: number): string {
  return Number.isInteger(f) ? String(f) : f.toFixed(3).replace(/0+$/, '');
}

function toChoice(c: Candidate, policy: ModePolicy, floor: number, reason: string): ModeChoice {
  const f = pickFps(c, policy, floor);
  const assumed = policy.fps ?? Math.min(policy.maxFps, 30);
  return {
    format: c.format.fourcc,
    width: c.width,
    height: c.height,
    fps: f?.value ?? assumed,
    interval: f?.interval ?? null,
    compressed: c.format.compressed,
    fromRange: c.fromRange,
    reason: `${describe(c, f?.value ?? null)}: ${reason}${f === null ? `; the device lists no frame rates for this size, assuming ${assumed} fps` : ''}`,
  };
}

/** Better candidate for the default policy: format rank, then size, then frame rate. */
function better(a: Candidate, b: Candidate): boolean {
  if (a.rank !== b.rank) return a.rank < b.rank;
  if (area(a) !== area(b)) return area(a) > area(b);
  if (a.width !== b.width) return a.width > b.width;
  const fa = maxOf(a), fb = maxOf(b);
  if (Number.isNaN(fb)) return !Number.isNaN(fa);
  return fa > fb;
}

function bestOf(list: Candidate[], cmp: (a: Candidate, b: Candidate) => boolean): Candidate | null {
  let best: Candidate | null = null;
  for (const c of list) if (best === null || cmp(c, best)) best = c;
  return best;
}

const reaches = (c: Candidate, minFps: number): boolean => c.fps.length === 0 || c.fps[0]!.value >= minFps - 1e-6;
const fits = (c: Candidate, p: ModePolicy): boolean => c.width <= p.maxWidth && c.height <= p.maxHeight;

/**
 * Chooses the capture mode. Returns null when the node lists no formats or sizes.
 *
 * Order of attempts:
 * 1. Explicit config (`format`, `width`, `height`, `fps`, any subset) narrows the candidates
 *    to those matching every given setting (fps within 0.01); the steps below then choose
 *    among them. When nothing matches, the config is ignored and the reason says so.
 * 2. Within the size limit and reaching `minFps`: best format, then largest size.
 * 3. Within the size limit, nothing reaches `minFps`: best format, then highest frame rate,
 *    then largest size.
 * 4. Nothing within the size limit: best format, then the smallest size above it.
 * Sizes from stepwise/continuous ranges (no listed frame rates) count as reaching `minFps`.
 */
export function chooseMode(formats: readonly PixelFormat[], policyIn: Partial<ModePolicy> = {}): ModeChoice | null {
  const policy: ModePolicy = { ...DEFAULT_MODE_POLICY, ...policyIn, preferredFormats: policyIn.preferredFormats ?? [...DEFAULT_MODE_POLICY.preferredFormats] };
  const all = candidates(formats, policy);
  if (all.length === 0) return null;
  const limits = `${policy.maxWidth}x${policy.maxHeight}`;
  let note = '';

  let pool = all;
  let configured = '';
  const wantsSomething = policy.format !== undefined || policy.width !== undefined || policy.height !== undefined || policy.fps !== undefined;
  if (wantsSomething) {
    const matching = all.filter((c) =>
      (policy.format === undefined || c.format.fourcc.toUpperCase() === policy.format.toUpperCase()) &&
      (policy.width === undefined || c.width === policy.width) &&
      (policy.height === undefined || c.height === policy.height) &&
      (policy.fps === undefined || c.fps.length === 0 || c.fps.some((f) => Math.abs(f.value - policy.fps!) < 0.01)));
    const wanted = [policy.format, policy.width !== undefined || policy.height !== undefined ? `${policy.width ?? '*'}x${policy.height ?? '*'}` : undefined, policy.fps !== undefined ? `${policy.fps} fps` : undefined]
      .filter((x) => x !== undefined).join(' ');
    if (matching.length > 0) {
      pool = matching;
      configured = `configured ${wanted}; `;
    } else {
      note = `; configured ${wanted} is not offered by the device`;
    }
  }
  const finish = (c: Candidate, floor: number, reason: string): ModeChoice => {
    const choice = toChoice(c, policy, floor, `${configured}${reason}${note}`);
    const fixed = configured !== '' && policy.fps !== undefined ? c.fps.find((f) => Math.abs(f.value - policy.fps!) < 0.01) : undefined;
    if (fixed) {
      choice.fps = fixed.value;
      choice.interval = fixed.interval;
      choice.reason = `${describe(c, fixed.value)}: ${configured}${reason}`;
    }
    return choice;
  };

  // A configured frame rate replaces the frame-rate goal.
  const minFps = configured !== '' && policy.fps !== undefined ? policy.fps : policy.minFps;
  const inLimit = pool.filter((c) => fits(c, policy));
  const fast = inLimit.filter((c) => reaches(c, minFps));
  const best2 = bestOf(fast, better);
  if (best2) {
    const fmtNote = best2.rank === 0 ? 'preferred format' : `best available format (preference ${policy.preferredFormats.join(' > ')})`;
    return finish(best2, minFps, `${fmtNote}, largest size within ${limits} reaching ${minFps} fps`);
  }
  const best3 = bestOf(inLimit, (a, b) => {
    if (a.rank !== b.rank) return a.rank < b.rank;
    const fa = maxOf(a), fb = maxOf(b);
    if (fa !== fb) return fa > fb;
    return area(a) > area(b);
  });
  if (best3) {
    return finish(best3, 0, `no mode within ${limits} reaches ${minFps} fps; highest frame rate of the best format`);
  }
  const best4 = bestOf(pool, (a, b) => {
    if (a.rank !== b.rank) return a.rank < b.rank;
    if (area(a) !== area(b)) return area(a) < area(b);
    return maxOf(a) > maxOf(b);
  });
  return best4 ? finish(best4, minFps, `no size within ${limits}; smallest size of the best format`) : null;
}

/** Capability lists of the API contract. */
export interface CapabilityLists {
  /** Fourccs in device order, without duplicates ("YUYV", "MJPG", "H264"). */
  formats: string[];
  /** "WxH", largest first (by width, then height), without duplicates. */
  resolutions: string[];
  /** Whole frame rates, highest first, without duplicates (29.97 → 30; 7.5 → 7). */
  fps_options: number[];
}

/** Integer frame rate for the API: nearest integer, halves rounded down (7.5 → 7, 29.97 → 30). */
export function fpsToInt(fps: number): number {
  return Math.abs(fps - Math.floor(fps) - 0.5) < 1e-9 ? Math.floor(fps) : Math.round(fps);
}

function sizesOf(s: FrameSize): [number, number][] {
  return s.type === 'discrete' ? [[s.width, s.height]] : rangeSizes(s);
}

/** Derives the contract's capability lists from parsed formats (of one node, or all capture nodes of a camera). */
export function deriveCapabilities(formats: readonly PixelFormat[]): CapabilityLists {
  const fourccs: string[] = [];
  const sizes = new Map<string, [number, number]>();
  const fps = new Set<number>();
  for (const f of formats) {
    if (!fourccs.includes(f.fourcc)) fourccs.push(f.fourcc);
    for (const s of f.sizes) {
      for (const [w, h] of sizesOf(s)) sizes.set(`${w}x${h}`, [w, h]);
      if (s.type === 'discrete') {
        for (const i of s.intervals) if (i.fps > 0) fps.add(Math.max(1, fpsToInt(i.fps)));
        for (const r of s.intervalRanges) for (const c of COMMON_FPS) if (c <= r.min.fps + 1e-6 && c >= r.max.fps - 1e-6) fps.add(c);
      }
    }
  }
  const resolutions = [...sizes.values()].sort((a, b) => b[0] - a[0] || b[1] - a[1]).map(([w, h]) => `${w}x${h}`);
  return { formats: fourccs, resolutions, fps_options: [...fps].sort((a, b) => b - a) };
}
