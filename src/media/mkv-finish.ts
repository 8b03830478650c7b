/** Finishes a Matroska recording in place (file adapter of mkv-repair.ts); needs no free space. */
import { closeSync, fsyncSync, openSync, readSync, statSync, truncateSync, writeSync } from 'node:fs';
import { assessMkv } from './mkv-repair.js';

export interface FinishResult {
  playable: boolean;
  /** Bytes removed from the end (an incomplete cluster). */
  cutBytes: number;
  /** The file's header was rewritten (Segment size, Duration). */
  edited: boolean;
  seconds: number | null;
}

export function finishMkv(path: string): FinishResult {
  const size = statSync(path).size;
  const fd = openSync(path, 'r+');
  try {
    const read = (offset: number, length: number) => {
      const buf = Buffer.alloc(length);
      return buf.subarray(0, readSync(fd, buf, 0, length, offset));
    };
    const a = assessMkv(read, size);
    if (!a.playable) return { playable: false, cutBytes: 0, edited: false, seconds: null };
    for (const e of a.edits) writeSync(fd, e.bytes, 0, e.bytes.length, e.offset);
    if (a.keepBytes < size) truncateSync(path, a.keepBytes);
    if (a.edits.length || a.keepBytes < size) fsyncSync(fd);
    return { playable: true, cutBytes: size - a.keepBytes, edited: a.edits.length > 0, seconds: a.seconds };
  } finally {
    closeSync(fd);
  }
}
