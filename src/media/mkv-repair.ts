/**
 * What of a Matroska recording cut short (recorder killed, disk full) is playable, and the
 * few bytes to change in place to finish it without needing any free space: the file ends
 * after its last complete top-level element (an incomplete cluster is dropped), the Segment's
 * size says where it ends, and the Info's Duration holds the time of the last frame kept (a
 * writer that could not finish leaves it missing, or set from frames it never wrote).
 * Pure: the caller supplies a reader for byte ranges of the file (see mkv-finish.ts).
 */
import type { ReadAt } from './mp4-repair.js';

/** The Matroska element ids this reads (with their length marker, as they stand in the file). */
const ID = {
  EBML: 0x1a45dfa3,
  SEGMENT: 0x18538067,
  INFO: 0x1549a966,
  TRACKS: 0x1654ae6b,
  CLUSTER: 0x1f43b675,
  TIMECODE_SCALE: 0x2ad7b1,
  DURATION: 0x4489,
  VOID: 0xec,
  CLUSTER_TIMECODE: 0xe7,
  SIMPLE_BLOCK: 0xa3,
  BLOCK_GROUP: 0xa0,
  BLOCK: 0xa1,
} as const;
const { EBML, SEGMENT, INFO, TRACKS, CLUSTER, TIMECODE_SCALE, DURATION, VOID, CLUSTER_TIMECODE, SIMPLE_BLOCK, BLOCK_GROUP, BLOCK } = ID;

/** The largest cluster read whole to find its last frame's time. */
const MAX_CLUSTER_READ = 64 * 1024 * 1024;

interface Vint {
  value: number;
  length: number;
  /** All value bits set: "unknown size". */
  unknown: boolean;
}

function vint(b: Buffer, p: number, keepMarker: boolean): Vint | null {
  if (p >= b.length) return null;
  const first = b[p]!;
  let length = 1;
  let mask = 0x80;
  while (length <= 8 && !(first & mask)) {
    length++;
    mask >>= 1;
  }
  if (length > 8 || p + length > b.length) return null;
  let value = keepMarker ? first : first & (mask - 1);
  let allOnes = (first & (mask - 1)) === mask - 1;
  for (let i = 1; i < length; i++) {
    value = value * 256 + b[p + i]!;
    if (b[p + i] !== 0xff) allOnes = false;
  }
  return { value, length, unknown: !keepMarker && allOnes };
}

interface Element {
  id: number;
  start: number;
  dataStart: number;
  /** Position of the size field and its width (for rewriting it). */
  sizeAt: number;
  sizeLength: number;
  /** Infinity when the size is "unknown" (runs to the end of its parent). */
  end: number;
}

function elementAt(b: Buffer, p: number, base = 0): Element | null {
  const id = vint(b, p, true);
  if (!id || id.length > 4) return null;
  const size = vint(b, p + id.length, false);
  if (!size) return null;
  const dataStart = p + id.length + size.length;
  return { id: id.value, start: base + p, dataStart: base + dataStart, sizeAt: base + p + id.length, sizeLength: size.length, end: size.unknown ? Infinity : base + dataStart + size.value };
}

/** Children of a buffer holding one element's data; stops at the first one that does not fit. */
function children(b: Buffer, base: number): Element[] {
  const out: Element[] = [];
  let p = 0;
  while (p < b.length) {
    const e = elementAt(b, p, base);
    if (!e || e.end === Infinity || e.end > base + b.length) break;
    out.push(e);
    p = e.end - base;
  }
  return out;
}

const uint = (b: Buffer, e: Element, base: number) => {
  let v = 0;
  for (let i = e.dataStart - base; i < e.end - base; i++) v = v * 256 + b[i]!;
  return v;
};

export interface Edit {
  offset: number;
  bytes: Buffer;
}

export interface MkvAssessment {
  /** An EBML header, a Segment with its Tracks and at least one complete cluster. */
  playable: boolean;
  /** Length of the file to keep: the end of the last complete top-level element. */
  keepBytes: number;
  clusters: number;
  /** Time of the end of the last frame kept, in seconds (null: no frame found). */
  seconds: number | null;
  /** Writes (within keepBytes) that finish the file; empty for a file its writer finished. */
  edits: Edit[];
}

const NOT_PLAYABLE: MkvAssessment = { playable: false, keepBytes: 0, clusters: 0, seconds: null, edits: [] };

/** A size field of `length` bytes holding `value`, or null when it does not fit. */
function sizeField(value: number, length: number): Buffer | null {
  if (value >= 2 ** (7 * length) - 1) return null;
  const b = Buffer.alloc(length);
  let v = value;
  for (let i = length - 1; i >= 0; i--) {
    b[i] = v % 256;
    v = Math.floor(v / 256);
  }
  b[0]! |= 0x80 >> (length - 1);
  return b;
}

/** The end time (in timecode units) of the last frame of a cluster: its latest block plus that track's frame interval. */
function clusterEnd(b: Buffer, base: number): number | null {
  let clusterTime = 0;
  const perTrack = new Map<number, number[]>();
  const block = (e: Element) => {
    const at = e.dataStart - base;
    const track = vint(b, at, false);
    if (!track || at + track.length + 2 > b.length) return;
    const ts = clusterTime + b.readInt16BE(at + track.length);
    const list = perTrack.get(track.value) ?? [];
    list.push(ts);
    perTrack.set(track.value, list);
  };
  for (const e of children(b, base)) {
    if (e.id === CLUSTER_TIMECODE) clusterTime = uint(b, e, base);
    else if (e.id === SIMPLE_BLOCK) block(e);
    else if (e.id === BLOCK_GROUP) {
      for (const g of children(b.subarray(e.dataStart - base, e.end - base), e.dataStart)) {
        if (g.id === BLOCK) block(g);
      }
    }
  }
  let end: number | null = null;
  for (const list of perTrack.values()) {
    const sorted = [...list].sort((x, y) => x - y);
    const last = sorted.at(-1)!;
    const step = sorted.length > 1 ? last - sorted.at(-2)! : 0;
    end = Math.max(end ?? -Infinity, last + step);
  }
  return end;
}

/** A Void of this many bytes can become a Duration (11 bytes), alone or followed by a smaller Void. */
const fitsDuration = (room: number) => room === 11 || (room >= 13 && room <= 139);

export function assessMkv(read: ReadAt, fileSize: number): MkvAssessment {
  const head = read(0, 64);
  const ebml = elementAt(head, 0);
  if (!ebml || ebml.id !== EBML || ebml.end === Infinity) return NOT_PLAYABLE;
  const segHead = read(ebml.end, 12);
  const segment = elementAt(segHead, 0, ebml.end);
  if (!segment || segment.id !== SEGMENT) return NOT_PLAYABLE;

  let info: { el: Element; data: Buffer } | null = null;
  let tracks = false;
  let clusters = 0;
  let lastCluster: Element | null = null;
  let keep = segment.dataStart;
  let p = segment.dataStart;
  const segmentEnd = Math.min(segment.end, fileSize);
  while (p < segmentEnd) {
    const e = elementAt(read(p, 12), 0, p);
    if (!e || e.end === Infinity || e.end > fileSize) break;
    if (e.id === INFO && e.end - e.dataStart <= 4096) info = { el: e, data: read(e.dataStart, e.end - e.dataStart) };
    else if (e.id === TRACKS) tracks = true;
    else if (e.id === CLUSTER) {
      clusters++;
      lastCluster = e;
    }
    keep = e.end;
    p = e.end;
  }
  if (!info || !tracks || !lastCluster) return { ...NOT_PLAYABLE, keepBytes: keep };

  let scale = 1_000_000;
  let duration: Element | null = null;
  let voidInInfo: Element | null = null;
  for (const c of children(info.data, info.el.dataStart)) {
    if (c.id === TIMECODE_SCALE) scale = uint(info.data, c, info.el.dataStart);
    else if (c.id === DURATION) duration = c;
    // The writer's Duration placeholder (FFmpeg: an 11-byte Void; a smaller one is kept for a CRC).
    else if (c.id === VOID && fitsDuration(c.end - c.start)) voidInInfo = c;
  }
  const clusterBytes = lastCluster.end - lastCluster.dataStart;
  const end = clusterBytes <= MAX_CLUSTER_READ ? clusterEnd(read(lastCluster.dataStart, clusterBytes), lastCluster.dataStart) : null;
  const seconds = end === null ? null : (end * scale) / 1e9;

  // A finished file: the Segment's size ends it exactly and it has a Duration.
  const finished = segment.end === fileSize && keep === fileSize && duration !== null;
  const edits: Edit[] = [];
  if (!finished) {
    const size = sizeField(keep - segment.dataStart, segment.sizeLength);
    if (size) edits.push({ offset: segment.sizeAt, bytes: size });
    if (end !== null) {
      if (duration && duration.end - duration.dataStart === 8) {
        const v = Buffer.alloc(8);
        v.writeDoubleBE(end);
        edits.push({ offset: duration.dataStart, bytes: v });
      } else if (duration && duration.end - duration.dataStart === 4) {
        const v = Buffer.alloc(4);
        v.writeFloatBE(end);
        edits.push({ offset: duration.dataStart, bytes: v });
      } else if (!duration && voidInInfo) {
        // The writer's placeholder: Duration (2-byte id, 1-byte size, 8-byte float) in its place,
        // and a smaller Void after it when there is room left.
        const el = Buffer.alloc(11);
        el.writeUInt16BE(DURATION, 0);
        el[2] = 0x88;
        el.writeDoubleBE(end, 3);
        const rest = voidInInfo.end - voidInInfo.start - 11;
        edits.push({ offset: voidInInfo.start, bytes: rest === 0 ? el : Buffer.concat([el, Buffer.from([VOID, 0x80 | (rest - 2)]), Buffer.alloc(rest - 2)]) });
      }
    }
  }
  return { playable: true, keepBytes: keep, clusters, seconds, edits };
}
