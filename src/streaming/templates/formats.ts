/**
 * Camera pixel formats: V4L2 fourccs and the names FFmpeg's v4l2 demuxer knows them by. Pure.
 */

/**
 * V4L2 fourcc -> FFmpeg's `-input_format` name, checked against FFmpeg 5.1's own listing of
 * vivid's formats (test/fixtures/ffmpeg/vivid). FFmpeg asks the driver for the first V4L2
 * format of its table that has the requested name; where two formats share a name, the one it
 * actually requests was observed in the VM (vivid/ambiguous-input-formats.txt: yuv420p -> YU12,
 * 0rgb -> BX24, bgr0 -> XR24), and the other (YV12, RGB4, BGR4) cannot be requested and is left
 * out, as are formats FFmpeg lists as "Unsupported" (YVYU, NV21, NV16, ...).
 */
const V4L2_INPUT_FORMATS: Readonly<Record<string, string>> = {
  H264: 'h264',
  MJPG: 'mjpeg',
  JPEG: 'mjpeg',
  YUYV: 'yuyv422',
  UYVY: 'uyvy422',
  '422P': 'yuv422p',
  YU12: 'yuv420p',
  NV12: 'nv12',
  GREY: 'gray',
  Y16: 'gray16le',
  RGBP: 'rgb565le',
  RGBR: 'rgb565be',
  RGBO: 'rgb555le',
  RGBQ: 'rgb555be',
  RGB3: 'rgb24',
  BGR3: 'bgr24',
  BX24: '0rgb',
  XR24: 'bgr0',
  BA24: 'argb',
  AR24: 'bgra',
  BA81: 'bayer_bggr8',
  GBRG: 'bayer_gbrg8',
  GRBG: 'bayer_grbg8',
  RGGB: 'bayer_rggb8',
};

export type FourccClass = 'h264' | 'mjpeg' | 'raw' | 'unsupported';

/** Fourccs arrive as `YUYV` or padded `Y16 `; compare them trimmed. */
export function normalizeFourcc(fourcc: string): string {
  return fourcc.trim();
}

/** FFmpeg's `-input_format` name for a V4L2 fourcc, or undefined when FFmpeg cannot request it. */
export function v4l2InputFormat(fourcc: string): string | undefined {
  const f = normalizeFourcc(fourcc);
  return Object.hasOwn(V4L2_INPUT_FORMATS, f) ? V4L2_INPUT_FORMATS[f] : undefined;
}

export function fourccClass(fourcc: string): FourccClass {
  const name = v4l2InputFormat(fourcc);
  if (name === undefined) return 'unsupported';
  return name === 'h264' ? 'h264' : name === 'mjpeg' ? 'mjpeg' : 'raw';
}
