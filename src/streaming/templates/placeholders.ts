/**
 * The vocabulary of template placeholders: every name a template may use, its value type and
 * meaning. A template that uses or declares a name not listed here fails to load.
 *
 * Types are strict because values end up inside FFmpeg's own argument parsing: paths must be
 * absolute (so FFmpeg never reads them as an option or a `proto:` URL), URLs must have an
 * allowed scheme, names are plain tokens, numbers are integers in range.
 */

export type PlaceholderType =
  | { kind: 'integer'; min: number; max: number }
  | { kind: 'path' }
  | { kind: 'url'; schemes: readonly string[] }
  | { kind: 'token'; pattern: RegExp }
  /** A frame rate: a number (30, 7.5) or an exact ratio ("30000/1001"), within min..max fps. */
  | { kind: 'rate'; min: number; max: number };

export interface PlaceholderSpec {
  type: PlaceholderType;
  description: string;
}

const int = (min: number, max: number): PlaceholderType => ({ kind: 'integer', min, max });

export const PLACEHOLDERS = {
  device: { type: { kind: 'path' }, description: 'V4L2 capture node, e.g. /dev/video0' },
  input_format: {
    type: { kind: 'token', pattern: /^[a-z][a-z0-9_]{0,31}$/ },
    description: "FFmpeg's name of the V4L2 input format (h264, mjpeg, yuyv422, nv12, ...)",
  },
  width: { type: int(16, 8192), description: 'frame width in pixels' },
  height: { type: int(16, 8192), description: 'frame height in pixels' },
  fps: { type: { kind: 'rate', min: 0.1, max: 240 }, description: 'frame rate: a number (30, 7.5) or an exact ratio ("30000/1001")' },
  gop: { type: int(1, 1000), description: 'keyframe interval in frames (one second: the frame rate rounded)' },
  bitrate_kbps: { type: int(32, 200_000), description: 'target bitrate of hardware encoders in kbit/s' },
  publish_url: { type: { kind: 'url', schemes: ['rtsp:'] }, description: 'RTSP URL FFmpeg publishes to' },
  source_url: { type: { kind: 'url', schemes: ['rtsp:', 'rtsps:'] }, description: 'RTSP/RTSPS URL FFmpeg reads from' },
  output: { type: { kind: 'path' }, description: 'file FFmpeg writes' },
  loop_file: { type: { kind: 'path' }, description: 'pre-encoded H.264 clip replayed in a loop' },
  duration_s: { type: int(1, 3600), description: 'length of a generated clip in seconds' },
  jpeg_qscale: { type: int(2, 31), description: 'JPEG quantizer, 2 (best) to 31 (smallest)' },
  vaapi_device: { type: { kind: 'path' }, description: 'DRM render node for VA-API, e.g. /dev/dri/renderD128' },
} as const satisfies Record<string, PlaceholderSpec>;

export type PlaceholderName = keyof typeof PLACEHOLDERS;

export function isPlaceholderName(name: string): name is PlaceholderName {
  return Object.hasOwn(PLACEHOLDERS, name);
}

/** Paths and URLs must be a whole argument: splicing them into a larger one could change its meaning. */
export function mustBeWholeArgument(name: PlaceholderName): boolean {
  const kind = PLACEHOLDERS[name].type.kind;
  return kind === 'path' || kind === 'url';
}

/**
 * Checks one value against its placeholder's type and returns its argument text, or throws
 * an Error whose message explains the rule (without the placeholder name; callers add it).
 */
export function formatPlaceholderValue(name: PlaceholderName, value: unknown): string {
  const type: PlaceholderType = PLACEHOLDERS[name].type;
  switch (type.kind) {
    case 'integer': {
      if (typeof value !== 'number' || !Number.isInteger(value)) throw new Error(`must be an integer, got ${describe(value)}`);
      if (value < type.min || value > type.max) throw new Error(`must be between ${type.min} and ${type.max}, got ${value}`);
      return String(value);
    }
    case 'path': {
      if (typeof value !== 'string') throw new Error(`must be a string path, got ${describe(value)}`);
      if (!value.startsWith('/')) throw new Error(`must be an absolute path, got ${JSON.stringify(value)}`);
      if (/[\0-\x1f\x7f]/.test(value)) throw new Error('must not contain control characters');
      return value;
    }
    case 'url': {
      if (typeof value !== 'string') throw new Error(`must be a string URL, got ${describe(value)}`);
      if (/[\0-\x20\x7f]/.test(value)) throw new Error('must not contain spaces or control characters');
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        throw new Error(`must be a URL, got ${JSON.stringify(value)}`);
      }
      if (!type.schemes.includes(url.protocol)) {
        throw new Error(`must use ${type.schemes.map((s) => `${s}//`).join(' or ')}, got ${JSON.stringify(url.protocol)}`);
      }
      if (!url.hostname) throw new Error('must name a host');
      return value;
    }
    case 'rate': {
      let fps: number;
      let text: string;
      if (typeof value === 'number') {
        fps = value;
        text = String(value);
        if (!/^[0-9]+(\.[0-9]+)?$/.test(text)) throw new Error(`must be a plain decimal number, got ${text}`);
      } else if (typeof value === 'string' && /^[1-9][0-9]{0,9}\/[1-9][0-9]{0,9}$/.test(value)) {
        const [n, d] = value.split('/').map(Number) as [number, number];
        fps = n / d;
        text = value;
      } else {
        throw new Error(`must be a number or a ratio like "30000/1001", got ${describe(value)}`);
      }
      if (!(fps >= type.min && fps <= type.max)) throw new Error(`must be between ${type.min} and ${type.max} fps, got ${text}`);
      return text;
    }
    case 'token': {
      if (typeof value !== 'string' || !type.pattern.test(value)) {
        throw new Error(`must match ${type.pattern.source}, got ${describe(value)}`);
      }
      return value;
    }
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  return typeof value === 'object' ? typeof value : `${typeof value} ${String(value)}`;
}
