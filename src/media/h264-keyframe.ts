/**
 * The first H.264 keyframe of an RTP stream (RFC 6184), as an Annex-B access unit an
 * FFmpeg `-f h264` decoder reads on its own: parameter sets (from the SDP's
 * `sprop-parameter-sets`, replaced by any sent in band) then the IDR picture's NAL units.
 * Single NAL units, STAP-A and FU-A are understood; an access unit ends at the RTP marker
 * bit or when the timestamp changes. Pure.
 */

const START = Buffer.from([0, 0, 0, 1]);
const NAL_IDR = 5;
const NAL_SPS = 7;
const NAL_PPS = 8;
const STAP_A = 24;
const FU_A = 28;

export interface RtpPacket {
  payloadType: number;
  marker: boolean;
  sequence: number;
  timestamp: number;
  payload: Buffer;
}

/** Parses an RTP packet (RFC 3550), or undefined when it is not one. */
export function parseRtp(buf: Buffer): RtpPacket | undefined {
  if (buf.length < 12 || buf[0]! >> 6 !== 2) return undefined;
  const padding = (buf[0]! & 0x20) !== 0;
  const extension = (buf[0]! & 0x10) !== 0;
  let offset = 12 + 4 * (buf[0]! & 0x0f);
  if (extension) {
    if (buf.length < offset + 4) return undefined;
    offset += 4 + 4 * buf.readUInt16BE(offset + 2);
  }
  let end = buf.length;
  if (padding) end -= buf[buf.length - 1]!;
  if (end < offset) return undefined;
  return { payloadType: buf[1]! & 0x7f, marker: (buf[1]! & 0x80) !== 0, sequence: buf.readUInt16BE(2), timestamp: buf.readUInt32BE(4), payload: buf.subarray(offset, end) };
}

export interface SdpVideoTrack {
  /** Absolute control URL of the track. */
  control: string;
  /** e.g. `H264`. */
  codec: string;
  payloadType: number;
  /** Parameter sets announced in the SDP (`sprop-parameter-sets`), decoded. */
  parameterSets: Buffer[];
}

/** The first video track of an SDP body, with its control URL resolved against `base`. */
export function sdpVideoTrack(sdp: string, base: string): SdpVideoTrack | undefined {
  let track: Partial<SdpVideoTrack> | undefined;
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) {
      if (track) break;
      if (line.startsWith('m=video')) track = { payloadType: Number(line.split(' ')[3]), parameterSets: [] };
    } else if (track && line.startsWith('a=control:')) {
      const control = line.slice('a=control:'.length).trim();
      track.control = /^rtsps?:\/\//.test(control) ? control : control === '*' ? base : `${base.replace(/\/$/, '')}/${control}`;
    } else if (track && line.startsWith('a=rtpmap:')) {
      track.codec = (line.split(' ')[1] ?? '').split('/')[0]?.toUpperCase() ?? '';
    } else if (track && line.startsWith('a=fmtp:')) {
      const m = /sprop-parameter-sets=([^;\s]+)/.exec(line);
      if (m) track.parameterSets = m[1]!.split(',').filter((s) => s !== '').map((s) => Buffer.from(s, 'base64'));
    }
  }
  if (!track || track.codec === undefined || !Number.isInteger(track.payloadType)) return undefined;
  return { control: track.control ?? base, codec: track.codec, payloadType: track.payloadType!, parameterSets: track.parameterSets ?? [] };
}

/** Collects RTP payloads until a whole keyframe access unit has arrived. */
export class KeyframeAssembler {
  #sps: Buffer | undefined;
  #pps: Buffer | undefined;
  #unit: Buffer[] = [];
  #timestamp: number | undefined;
  #fu: Buffer[] | undefined;
  /** A packet of the current access unit was lost: it is not used. */
  #broken = false;
  #lastSequence: number | undefined;

  constructor(parameterSets: readonly Buffer[] = []) {
    for (const nal of parameterSets) this.#parameterSet(nal);
  }

  /** Feeds one RTP packet of the video track; returns the Annex-B keyframe once complete. */
  push(p: RtpPacket): Buffer | undefined {
    let done: Buffer | undefined;
    if (this.#timestamp !== undefined && p.timestamp !== this.#timestamp) done = this.#close();
    if (done) return done;
    if (this.#lastSequence !== undefined && p.sequence !== ((this.#lastSequence + 1) & 0xffff)) this.#broken = true;
    this.#lastSequence = p.sequence;
    this.#timestamp = p.timestamp;
    this.#payload(p.payload);
    return p.marker ? this.#close() : undefined;
  }

  #payload(b: Buffer): void {
    if (b.length < 1) return;
    const type = b[0]! & 0x1f;
    if (type >= 1 && type <= 23) return this.#nal(b);
    if (type === STAP_A) {
      for (let i = 1; i + 2 <= b.length; ) {
        const size = b.readUInt16BE(i);
        if (size === 0 || i + 2 + size > b.length) return;
        this.#nal(b.subarray(i + 2, i + 2 + size));
        i += 2 + size;
      }
      return;
    }
    if (type === FU_A && b.length >= 2) {
      const start = (b[1]! & 0x80) !== 0;
      const end = (b[1]! & 0x40) !== 0;
      if (start) this.#fu = [Buffer.from([(b[0]! & 0xe0) | (b[1]! & 0x1f)])];
      else if (!this.#fu) return void (this.#broken = true);
      this.#fu.push(b.subarray(2));
      if (end) {
        this.#nal(Buffer.concat(this.#fu));
        this.#fu = undefined;
      }
    }
  }

  #nal(nal: Buffer): void {
    if (this.#parameterSet(nal)) return;
    this.#unit.push(Buffer.from(nal));
  }

  #parameterSet(nal: Buffer): boolean {
    const type = (nal[0] ?? 0) & 0x1f;
    if (type === NAL_SPS) this.#sps = Buffer.from(nal);
    else if (type === NAL_PPS) this.#pps = Buffer.from(nal);
    else return false;
    return true;
  }

  /** Ends the current access unit: the Annex-B keyframe if it was a whole IDR picture with its parameter sets. */
  #close(): Buffer | undefined {
    const unit = this.#unit;
    // The picture's first slice must be there (first_mb_in_slice 0: the slice header's first bit is set).
    const firstSlice = unit.find((n) => (n[0]! & 0x1f) >= 1 && (n[0]! & 0x1f) <= NAL_IDR);
    const whole = firstSlice !== undefined && firstSlice.length > 1 && (firstSlice[1]! & 0x80) !== 0;
    const usable = whole && !this.#broken && this.#fu === undefined && this.#sps && this.#pps && unit.some((n) => (n[0]! & 0x1f) === NAL_IDR);
    this.#unit = [];
    this.#fu = undefined;
    this.#broken = false;
    this.#timestamp = undefined;
    if (!usable) return undefined;
    return Buffer.concat([this.#sps!, this.#pps!, ...unit].flatMap((n) => [START, n]));
  }
}
