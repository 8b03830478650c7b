/** Cuts a fragmented MP4 after its last complete fragment (file adapter of mp4-repair.ts). */
import { closeSync, openSync, readSync, statSync, truncateSync } from 'node:fs';
import { assessMp4, scanBoxes } from './mp4-repair.js';

export interface TruncateResult {
  /** Has a movie header: players can read it. */
  playable: boolean;
  /** Bytes removed from the end (an incomplete fragment). */
  cutBytes: number;
  fragments: number;
}

export function truncateToLastFragment(path: string): TruncateResult {
  const size = statSync(path).size;
  const fd = openSync(path, 'r');
  let assessment;
  try {
    const read = (offset: number, length: number) => {
      const buf = Buffer.alloc(length);
      return buf.subarray(0, readSync(fd, buf, 0, length, offset));
    };
    assessment = assessMp4(scanBoxes(read, size), size);
  } finally {
    closeSync(fd);
  }
  if (!assessment.playable) return { playable: false, cutBytes: 0, fragments: 0 };
  const cut = size - assessment.keepBytes;
  if (cut > 0) truncateSync(path, assessment.keepBytes);
  return { playable: true, cutBytes: cut, fragments: assessment.fragments };
}
