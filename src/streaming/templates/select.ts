/**
 * Which pipeline publishes a camera, and with which values. Pure: a source description and
 * the catalog in, a template name with a human-readable reason (and the render values) out.
 */
import type { FfmpegTemplate, TemplateInput } from './template.js';
import { renderArgv, type TemplateValues } from './render.js';
import { fourccClass, normalizeFourcc, v4l2InputFormat } from './formats.js';

export { fourccClass, normalizeFourcc, v4l2InputFormat, type FourccClass } from './formats.js';

/** What a publisher reads. */
export type StreamSource =
  | V4l2Mode
  /** Synthetic camera; `loop: true` replays a pre-encoded clip instead of encoding live. */
  | { kind: 'test-pattern'; width: number; height: number; fps: number; loop?: boolean }
  | { kind: 'rtsp'; url: string };

/** A camera's chosen capture mode. */
export interface V4l2Mode {
  kind: 'v4l2';
  device: string;
  fourcc: string;
  width: number;
  height: number;
  /** Frame rate as offered (may be fractional, e.g. 7.5 or 29.97). */
  fps: number;
  /** The exact frame interval (seconds = num/den) when known; requested as the ratio den/num. */
  frameInterval?: { num: number; den: number } | null;
}

/** The `{fps}` value: the exact ratio when the interval is known, else the number. */
export function rateValue(mode: { fps: number; frameInterval?: { num: number; den: number } | null }): string | number {
  const i = mode.frameInterval;
  return i && Number.isInteger(i.num) && Number.isInteger(i.den) && i.num > 0 && i.den > 0 ? `${i.den}/${i.num}` : mode.fps;
}

/** Keyframe interval of one second: the frame rate rounded, at least 1. */
export function gopFor(fps: number): number {
  return Math.max(1, Math.round(fps));
}

export type HardwareEncoder = 'v4l2m2m' | 'vaapi';

export interface SelectOptions {
  /** Per-camera template override from config; must name a compatible publish template. */
  template?: string;
  /** Use this hardware encoder for inputs that need encoding (MJPEG, raw). */
  hardware?: HardwareEncoder;
}

export interface TemplateChoice {
  template: string;
  reason: string;
}

/** The subset of TemplateCatalog selection needs. */
export interface TemplateLookup {
  find(name: string): FfmpegTemplate | undefined;
  names(): string[];
}

export class TemplateSelectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateSelectionError';
  }
}

export const DEFAULT_PUBLISH_TEMPLATES = {
  h264: 'v4l2-h264-copy',
  mjpeg: 'v4l2-mjpeg-x264',
  raw: 'v4l2-raw-x264',
  testPattern: 'testsrc-x264',
  testPatternLoop: 'testsrc-loop-copy',
  rtsp: 'rtsp-relay',
} as const;

export const HARDWARE_TEMPLATES: Record<HardwareEncoder, string> = {
  v4l2m2m: 'v4l2-h264-v4l2m2m',
  vaapi: 'v4l2-h264-vaapi',
};

export const LOOP_ENCODE_TEMPLATE = 'testsrc-loop-encode';

/** Whether a V4L2 template accepts this camera format. */
export function templateAcceptsFourcc(template: FfmpegTemplate, fourcc: string): boolean {
  const f = normalizeFourcc(fourcc);
  if (template.input !== 'v4l2') return false;
  if (template.fourcc.some((t) => normalizeFourcc(t) === f)) return v4l2InputFormat(f) !== undefined;
  return template.fourcc.includes('raw') && fourccClass(f) === 'raw';
}

const SOURCE_INPUTS: Record<StreamSource['kind'], readonly TemplateInput[]> = {
  v4l2: ['v4l2'],
  'test-pattern': ['lavfi', 'file'],
  rtsp: ['rtsp'],
};

function describeSource(source: StreamSource): string {
  switch (source.kind) {
    case 'v4l2':
      return `a V4L2 camera with ${normalizeFourcc(source.fourcc)} input`;
    case 'test-pattern':
      return 'a test pattern';
    case 'rtsp':
      return 'an RTSP source';
  }
}

function describeInput(source: V4l2Mode): string {
  const f = normalizeFourcc(source.fourcc);
  const cls = fourccClass(f);
  return cls === 'raw' ? `input is raw ${f} (FFmpeg ${v4l2InputFormat(f)})` : `input is ${f}`;
}

function encodeText(t: FfmpegTemplate): string {
  if (t.encoder === 'libx264') return 'libx264 (ultrafast, zerolatency, keyframe every second)';
  return t.encoder;
}

/** Picks the publish template for a source. Throws UnknownTemplateError-like errors for bad overrides. */
export function selectPublishTemplate(source: StreamSource, lookup: TemplateLookup, opts: SelectOptions = {}): TemplateChoice {
  if (opts.template !== undefined) {
    const t = lookup.find(opts.template);
    if (!t) {
      throw new TemplateSelectionError(`unknown FFmpeg template ${JSON.stringify(opts.template)} configured (known: ${lookup.names().join(', ')})`);
    }
    if (t.kind !== 'publish') throw new TemplateSelectionError(`template ${t.name} is a ${t.kind} pipeline, not a publish pipeline`);
    if (!SOURCE_INPUTS[source.kind].includes(t.input)) {
      throw new TemplateSelectionError(`template ${t.name} reads ${t.input} input and cannot publish ${describeSource(source)}`);
    }
    if (source.kind === 'v4l2' && !templateAcceptsFourcc(t, source.fourcc)) {
      throw new TemplateSelectionError(`template ${t.name} accepts ${t.fourcc.join(', ')}, not ${normalizeFourcc(source.fourcc)}`);
    }
    const what = source.kind === 'v4l2' ? `, ${describeInput(source)}` : '';
    return { template: t.name, reason: `template ${t.name} configured for this camera${what}` };
  }

  const need = (name: string): FfmpegTemplate => {
    const t = lookup.find(name);
    if (!t) throw new TemplateSelectionError(`built-in FFmpeg template ${name} is missing from the template directory`);
    return t;
  };

  switch (source.kind) {
    case 'v4l2': {
      const f = normalizeFourcc(source.fourcc);
      const cls = fourccClass(f);
      if (cls === 'unsupported') {
        throw new TemplateSelectionError(`no FFmpeg pipeline for camera format ${JSON.stringify(f)} (FFmpeg cannot request it by name)`);
      }
      if (cls === 'h264') {
        const t = need(DEFAULT_PUBLISH_TEMPLATES.h264);
        return { template: t.name, reason: `${describeInput(source)}: stream copy, no transcoding` };
      }
      if (opts.hardware) {
        const t = need(HARDWARE_TEMPLATES[opts.hardware]);
        if (templateAcceptsFourcc(t, f)) {
          return { template: t.name, reason: `${describeInput(source)}: encode H.264 with ${t.encoder} (hardware encoder configured)` };
        }
      }
      const t = need(cls === 'mjpeg' ? DEFAULT_PUBLISH_TEMPLATES.mjpeg : DEFAULT_PUBLISH_TEMPLATES.raw);
      const verb = cls === 'mjpeg' ? 'decode and encode H.264 with' : 'encode H.264 with';
      return { template: t.name, reason: `${describeInput(source)}: ${verb} ${encodeText(t)}` };
    }
    case 'test-pattern': {
      if (source.loop) {
        const t = need(DEFAULT_PUBLISH_TEMPLATES.testPatternLoop);
        return { template: t.name, reason: 'test pattern: replay a pre-encoded H.264 loop with stream copy (little CPU)' };
      }
      const t = need(DEFAULT_PUBLISH_TEMPLATES.testPattern);
      return { template: t.name, reason: `test pattern ${source.width}x${source.height}@${source.fps}: encode live with ${encodeText(t)}` };
    }
    case 'rtsp': {
      const t = need(DEFAULT_PUBLISH_TEMPLATES.rtsp);
      return { template: t.name, reason: 'external RTSP source: relay over TCP with stream copy' };
    }
  }
}

/** A bitrate for encoders that need one: ~0.1 bit per pixel, within 256 kbit/s .. 20 Mbit/s. */
export function defaultBitrateKbps(width: number, height: number, fps: number): number {
  return Math.min(20_000, Math.max(256, Math.round((width * height * fps * 0.1) / 1000)));
}

export interface PublishContext {
  /** RTSP URL of the MediaMTX path, e.g. rtsp://127.0.0.1:8554/camera0. */
  publishUrl: string;
  /** Test pattern loops: the clip from ensureTestLoop(). */
  loopFile?: string;
  /** VA-API pipelines (default /dev/dri/renderD128). */
  vaapiDevice?: string;
  /** Hardware encoders (default: defaultBitrateKbps()). */
  bitrateKbps?: number;
}

/** The values a publish pipeline for this source needs (a bag: templates take what they declare). */
export function publishValues(source: StreamSource, ctx: PublishContext): TemplateValues {
  const values: TemplateValues = { publish_url: ctx.publishUrl };
  switch (source.kind) {
    case 'v4l2': {
      const inputFormat = v4l2InputFormat(source.fourcc);
      Object.assign(values, {
        device: source.device,
        width: source.width,
        height: source.height,
        fps: rateValue(source),
        gop: gopFor(source.fps),
        bitrate_kbps: ctx.bitrateKbps ?? defaultBitrateKbps(source.width, source.height, source.fps),
        vaapi_device: ctx.vaapiDevice ?? '/dev/dri/renderD128',
      });
      if (inputFormat !== undefined) values.input_format = inputFormat;
      break;
    }
    case 'test-pattern':
      Object.assign(values, { width: source.width, height: source.height, fps: source.fps, gop: gopFor(source.fps) });
      if (ctx.loopFile !== undefined) values.loop_file = ctx.loopFile;
      break;
    case 'rtsp':
      values.source_url = source.url;
      break;
  }
  return values;
}

export interface PublishPlan extends TemplateChoice {
  argv: string[];
}

/** Selection and rendering in one step: what the streaming module starts for a camera. */
export function planPublish(
  source: StreamSource,
  lookup: TemplateLookup,
  ctx: PublishContext & SelectOptions & { binary?: string },
): PublishPlan {
  const choice = selectPublishTemplate(source, lookup, ctx);
  const argv = renderArgv(lookup.find(choice.template)!, publishValues(source, ctx), ctx.binary);
  return { ...choice, argv };
}

// --- snapshots ---

export type SnapshotSource = { kind: 'rtsp'; url: string } | V4l2Mode;
export type SnapshotFormat = 'jpg' | 'jpeg' | 'png';

/** API quality 1..100 (100 best) -> FFmpeg's JPEG quantizer 31..2 (2 best). */
export function jpegQscale(quality: number): number {
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) throw new RangeError(`quality must be an integer 1..100, got ${quality}`);
  return Math.round(31 - ((quality - 1) * 29) / 99);
}

export function selectSnapshotTemplate(source: SnapshotSource, format: SnapshotFormat, lookup: TemplateLookup): TemplateChoice {
  const image = format === 'png' ? 'png' : 'jpeg';
  const name = `snapshot-${source.kind}-${image}`;
  const t = lookup.find(name);
  if (!t) throw new TemplateSelectionError(`built-in FFmpeg template ${name} is missing from the template directory`);
  if (source.kind === 'v4l2' && !templateAcceptsFourcc(t, source.fourcc)) {
    throw new TemplateSelectionError(`no snapshot pipeline for camera format ${JSON.stringify(normalizeFourcc(source.fourcc))}`);
  }
  const from = source.kind === 'rtsp' ? 'from the published RTSP stream' : `from the device (${describeInput(source)})`;
  return { template: t.name, reason: `one frame ${from} to ${image === 'png' ? 'PNG' : 'JPEG'}` };
}

export function snapshotValues(source: SnapshotSource, opts: { output: string; quality?: number }): TemplateValues {
  const values: TemplateValues = { output: opts.output, jpeg_qscale: jpegQscale(opts.quality ?? 85) };
  if (source.kind === 'rtsp') values.source_url = source.url;
  else {
    Object.assign(values, { device: source.device, width: source.width, height: source.height, fps: rateValue(source) });
    const inputFormat = v4l2InputFormat(source.fourcc);
    if (inputFormat !== undefined) values.input_format = inputFormat;
  }
  return values;
}

export function planSnapshot(
  source: SnapshotSource,
  lookup: TemplateLookup,
  opts: { format: SnapshotFormat; output: string; quality?: number; binary?: string },
): PublishPlan {
  const choice = selectSnapshotTemplate(source, opts.format, lookup);
  return { ...choice, argv: renderArgv(lookup.find(choice.template)!, snapshotValues(source, opts), opts.binary) };
}
