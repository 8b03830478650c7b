/**
 * Which V4L2 nodes are cameras. Pure: decides from capability bits (`v4l2-ctl --info`) or,
 * before the node could be probed, from udev's ID_V4L_CAPABILITIES.
 *
 * A node is a camera node when its device caps include Video Capture (0x1) or Video Capture
 * Multiplanar (0x1000) together with Streaming (0x04000000), and it is not also a video
 * output / memory-to-memory node (codecs, ISPs), a touch sensor (touch devices also set
 * Video Capture), or an SDR / VBI / radio node.
 */
import { V4L2_CAP } from './v4l2-info.js';

export type NodeKind =
  | 'video-capture'
  | 'metadata-capture'
  | 'video-output'
  | 'mem2mem'
  | 'touch'
  | 'vbi'
  | 'radio'
  | 'sdr'
  | 'metadata-output'
  | 'other';

export interface CaptureVerdict {
  capture: boolean;
  kind: NodeKind;
  /** Multiplanar capture API (relevant to how frames are read). */
  multiplanar: boolean;
  /** Human-readable explanation, for logs and the admin debug field. */
  reason: string;
}

const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
const has = (caps: number, bit: number): boolean => (caps & bit) >>> 0 !== 0;

/**
 * Classifies a node by its capabilities. Pass the node's device caps (`V4l2Info.nodeCaps`);
 * for drivers that do not report device caps that is the device-wide capabilities.
 */
export function classifyNodeCaps(nodeCaps: number): CaptureVerdict {
  const caps = nodeCaps >>> 0;
  const capture = has(caps, V4L2_CAP.VIDEO_CAPTURE);
  const captureMplane = has(caps, V4L2_CAP.VIDEO_CAPTURE_MPLANE);
  const streaming = has(caps, V4L2_CAP.STREAMING);
  const output = has(caps, V4L2_CAP.VIDEO_OUTPUT) || has(caps, V4L2_CAP.VIDEO_OUTPUT_MPLANE);
  const m2m = has(caps, V4L2_CAP.VIDEO_M2M) || has(caps, V4L2_CAP.VIDEO_M2M_MPLANE);
  const verdict = (ok: boolean, kind: NodeKind, reason: string): CaptureVerdict =>
    ({ capture: ok, kind, multiplanar: captureMplane && !capture, reason: `${reason} (device caps ${hex(caps)})` });

  if (m2m || ((capture || captureMplane) && output)) return verdict(false, 'mem2mem', 'memory-to-memory device (codec/ISP), not a camera');
  if (has(caps, V4L2_CAP.TOUCH)) return verdict(false, 'touch', 'touch sensor node');
  if (capture || captureMplane) {
    if (!streaming) return verdict(false, 'video-capture', 'video capture without streaming I/O');
    return verdict(true, 'video-capture', captureMplane && !capture ? 'video capture (multiplanar) with streaming' : 'video capture with streaming');
  }
  if (output) return verdict(false, 'video-output', 'video output node');
  if (has(caps, V4L2_CAP.META_CAPTURE)) return verdict(false, 'metadata-capture', 'metadata capture node');
  if (has(caps, V4L2_CAP.META_OUTPUT)) return verdict(false, 'metadata-output', 'metadata output node');
  if (has(caps, V4L2_CAP.SDR_CAPTURE) || has(caps, V4L2_CAP.SDR_OUTPUT)) return verdict(false, 'sdr', 'software-defined radio node');
  if (has(caps, V4L2_CAP.VBI_CAPTURE) || has(caps, V4L2_CAP.SLICED_VBI_CAPTURE) || has(caps, V4L2_CAP.VBI_OUTPUT) || has(caps, V4L2_CAP.SLICED_VBI_OUTPUT)) {
    return verdict(false, 'vbi', 'VBI node');
  }
  if (has(caps, V4L2_CAP.RADIO) || has(caps, V4L2_CAP.TUNER) || has(caps, V4L2_CAP.MODULATOR)) return verdict(false, 'radio', 'radio/tuner node');
  return verdict(false, 'other', 'no video capture capability');
}

/**
 * Pre-probe hint from udev's `ID_V4L_CAPABILITIES` (e.g. ":capture:", ":video_output:", "::"
 * for a metadata node). Returns null when the property is absent. udev does not report
 * streaming or m2m, so a `true` here still needs confirming with {@link classifyNodeCaps}.
 */
export function udevSaysCapture(idV4lCapabilities: string | undefined): boolean | null {
  if (idV4lCapabilities === undefined) return null;
  const words = idV4lCapabilities.split(':').filter((w) => w !== '');
  return words.includes('capture') && !words.includes('video_output');
}
