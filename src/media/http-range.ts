/**
 * HTTP `Range: bytes=...` (RFC 9110 §14) for file downloads. Pure.
 *
 * A header that is absent, malformed or in another unit is ignored (the whole file, 200), as
 * the RFC allows; satisfiable ranges give 206; none satisfiable gives 416. Overlapping or
 * adjacent ranges are coalesced (RFC 9110 §14.2), in file order: `0-,0-,…` sends the file once.
 */

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive. */
  end: number;
}

export type RangeRequest =
  | { kind: 'none' }
  | { kind: 'unsatisfiable' }
  | { kind: 'ranges'; ranges: ByteRange[] };

/** More ranges than this in one header are not honoured (the whole file is sent). */
export const MAX_RANGES = 16;

const SPEC = /^\s*(\d*)\s*-\s*(\d*)\s*$/;

export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (header === undefined) return { kind: 'none' };
  const m = /^\s*bytes\s*=(.*)$/i.exec(header);
  if (!m) return { kind: 'none' };
  const specs = m[1]!.split(',');
  if (specs.length > MAX_RANGES) return { kind: 'none' };
  const ranges: ByteRange[] = [];
  let any = false;
  for (const spec of specs) {
    if (spec.trim() === '') continue;
    const s = SPEC.exec(spec);
    if (!s) return { kind: 'none' };
    const [first, last] = [s[1]!, s[2]!];
    if (first === '' && last === '') return { kind: 'none' };
    any = true;
    if (first === '') {
      // Suffix: the last N bytes.
      const n = Number(last);
      if (!Number.isSafeInteger(n)) return { kind: 'none' };
      if (n === 0 || size === 0) continue;
      ranges.push({ start: Math.max(0, size - n), end: size - 1 });
      continue;
    }
    const start = Number(first);
    const end = last === '' ? size - 1 : Number(last);
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end)) return { kind: 'none' };
    if (last !== '' && end < start) return { kind: 'none' };
    if (start >= size) continue;
    ranges.push({ start, end: Math.min(end, size - 1) });
  }
  if (!any) return { kind: 'none' };
  if (ranges.length === 0) return { kind: 'unsatisfiable' };
  return { kind: 'ranges', ranges: coalesce(ranges) };
}

/** Sorted by start, overlapping and adjacent ranges merged. */
export function coalesce(ranges: readonly ByteRange[]): ByteRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const out: ByteRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end + 1) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

/** `bytes 0-99/1234` */
export function contentRange(r: ByteRange, size: number): string {
  return `bytes ${r.start}-${r.end}/${size}`;
}

export const rangeLength = (r: ByteRange) => r.end - r.start + 1;

/**
 * The parts of a `multipart/byteranges` body around each range's bytes: `head` before the
 * bytes, and the closing delimiter after the last one. Lengths are exact, so the response
 * carries a Content-Length.
 */
export function multipartLayout(ranges: readonly ByteRange[], size: number, contentType: string, boundary: string): { heads: string[]; tail: string; length: number } {
  const heads = ranges.map((r, i) => `${i === 0 ? '' : '\r\n'}--${boundary}\r\ncontent-type: ${contentType}\r\ncontent-range: ${contentRange(r, size)}\r\n\r\n`);
  const tail = `\r\n--${boundary}--\r\n`;
  const length = heads.reduce((n, h) => n + Buffer.byteLength(h), 0) + ranges.reduce((n, r) => n + rangeLength(r), 0) + Buffer.byteLength(tail);
  return { heads, tail, length };
}

/** Content type of a served file by its extension. */
export function contentTypeOf(name: string): string {
  const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase();
  switch (ext) {
    case 'mp4':
      return 'video/mp4';
    case 'mkv':
      return 'video/x-matroska';
    case 'ts':
      return 'video/mp2t';
    case 'jpg':
    case 'jpeg':
      return 'image/jpeg';
    case 'png':
      return 'image/png';
    default:
      return 'application/octet-stream';
  }
}

/** `attachment; filename="x.mp4"; filename*=UTF-8''x.mp4` (quotes and non-ASCII made safe). */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
