/**
 * Incremental parser of FFmpeg's `-f mpjpeg` output (multipart JPEG): each part is
 * `--<boundary>\r\nContent-type: image/jpeg\r\nContent-length: N\r\n\r\n<N bytes>\r\n`.
 * Feed stdout chunks, get whole JPEG images. Pure.
 */

export const MAX_FRAME_BYTES = 64 * 1024 * 1024;
const HEADER_END = Buffer.from('\r\n\r\n');
const MAX_HEADER_BYTES = 4096;

export class MpjpegParser {
  #buf: Buffer = Buffer.alloc(0);
  #need: number | undefined;

  /** Returns the images completed by this chunk; throws on output that is not mpjpeg. */
  push(chunk: Buffer): Buffer[] {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const out: Buffer[] = [];
    for (;;) {
      if (this.#need === undefined) {
        const end = this.#buf.indexOf(HEADER_END);
        if (end < 0) {
          if (this.#buf.length > MAX_HEADER_BYTES) throw new Error('mpjpeg: part header too long');
          return out;
        }
        const header = this.#buf.subarray(0, end).toString('latin1');
        const m = /content-length:\s*(\d+)/i.exec(header);
        if (!m) throw new Error('mpjpeg: part without Content-length');
        const n = Number(m[1]);
        if (n > MAX_FRAME_BYTES) throw new Error(`mpjpeg: part of ${n} bytes is too large`);
        this.#need = n;
        this.#buf = this.#buf.subarray(end + HEADER_END.length);
      }
      if (this.#buf.length < this.#need) return out;
      out.push(Buffer.from(this.#buf.subarray(0, this.#need)));
      this.#buf = this.#buf.subarray(this.#need);
      this.#need = undefined;
    }
  }
}

/** Width and height from a JPEG's first SOFn segment, or undefined. */
export function jpegSize(jpeg: Buffer): { width: number; height: number } | undefined {
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return undefined;
  let i = 2;
  while (i + 4 <= jpeg.length) {
    if (jpeg[i] !== 0xff) return undefined;
    const marker = jpeg[i + 1]!;
    if (marker === 0xff) {
      i += 1;
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2;
      continue;
    }
    const len = jpeg.readUInt16BE(i + 2);
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (i + 9 > jpeg.length) return undefined;
      return { height: jpeg.readUInt16BE(i + 5), width: jpeg.readUInt16BE(i + 7) };
    }
    if (marker === 0xda || marker === 0xd9) return undefined;
    i += 2 + len;
  }
  return undefined;
}
