/**
 * What of a fragmented MP4 cut short by a crash or a full disk is playable: the top-level
 * boxes up to the last complete fragment (`moof` followed by its complete `mdat`). Pure: the
 * caller supplies a reader for byte ranges of the file.
 */

export interface Box {
  type: string;
  start: number;
  /** Total size including the header; Infinity for a box that runs to the end (size 0). */
  size: number;
  /** The whole box is in the file. */
  complete: boolean;
}

export type ReadAt = (offset: number, length: number) => Buffer;

/** The top-level boxes of a file of `fileSize` bytes, stopping at the first incomplete or corrupt one. */
export function scanBoxes(read: ReadAt, fileSize: number, maxBoxes = 1_000_000): Box[] {
  const boxes: Box[] = [];
  let offset = 0;
  while (offset < fileSize && boxes.length < maxBoxes) {
    const head = read(offset, 16);
    if (head.length < 8) {
      boxes.push({ type: '', start: offset, size: fileSize - offset, complete: false });
      break;
    }
    let size = head.readUInt32BE(0);
    const type = head.toString('latin1', 4, 8);
    if (!/^[\x20-\x7e]{4}$/.test(type)) {
      boxes.push({ type: '', start: offset, size: fileSize - offset, complete: false });
      break;
    }
    if (size === 1) {
      if (head.length < 16) {
        boxes.push({ type, start: offset, size: fileSize - offset, complete: false });
        break;
      }
      size = Number(head.readBigUInt64BE(8));
    } else if (size === 0) {
      boxes.push({ type, start: offset, size: Infinity, complete: true });
      break;
    }
    if (size < 8) {
      boxes.push({ type, start: offset, size: fileSize - offset, complete: false });
      break;
    }
    const complete = offset + size <= fileSize;
    boxes.push({ type, start: offset, size, complete });
    if (!complete) break;
    offset += size;
  }
  return boxes;
}

export interface Mp4Assessment {
  /** Has a movie header (`moov`): players can read it. */
  playable: boolean;
  /** Complete fragments kept. */
  fragments: number;
  /** Bytes worth keeping: everything after is an incomplete box or a fragment without its data. */
  keepBytes: number;
  /** The file has a fragment index at its end (`mfra`): FFmpeg finished it. */
  finished: boolean;
}

export function assessMp4(boxes: readonly Box[], fileSize: number): Mp4Assessment {
  let keep = 0;
  let moov = false;
  let fragments = 0;
  let finished = false;
  let pendingMoof: Box | undefined;
  for (const b of boxes) {
    if (!b.complete) break;
    const end = b.size === Infinity ? fileSize : b.start + b.size;
    if (b.type === 'moov') moov = true;
    if (b.type === 'moof') {
      pendingMoof = b;
      continue;
    }
    if (b.type === 'mdat' && pendingMoof) {
      fragments++;
      pendingMoof = undefined;
      keep = end;
      continue;
    }
    if (pendingMoof) break; // a fragment header without its data
    if (b.type === 'mfra') finished = true;
    keep = end;
  }
  return { playable: moov, fragments, keepBytes: keep, finished };
}
