/**
 * The recording journal: one small JSON file per running recording under
 * `<state_path>/recordings/`, written before FFmpeg starts and removed once the recording is
 * finalized. Whatever is left at start belongs to a recording that a crash or power cut
 * interrupted; recovery finalizes it.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordingFormat } from './names.js';

export interface JournalEntry {
  camera: string;
  /** `camera0_2026-01-15_14-30-00` */
  base: string;
  ext: 'mp4' | 'mkv';
  format: RecordingFormat;
  /** Epoch ms. */
  startedAt: number;
  /** `recording`; `finalize` once FFmpeg has finished but the remux has not (shutdown). */
  state: 'recording' | 'finalize';
}

export class RecordingJournal {
  constructor(readonly dir: string) {}

  #file(base: string): string {
    return join(this.dir, `${base}.json`);
  }

  write(entry: JournalEntry): void {
    mkdirSync(this.dir, { recursive: true });
    const file = this.#file(entry.base);
    writeFileSync(`${file}.tmp`, JSON.stringify(entry));
    renameSync(`${file}.tmp`, file);
  }

  remove(base: string): void {
    rmSync(this.#file(base), { force: true });
  }

  /** Entries left behind; unreadable ones are reported by name so nothing is skipped silently. */
  list(): { entries: JournalEntry[]; unreadable: string[] } {
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((n) => n.endsWith('.json'));
    } catch {
      return { entries: [], unreadable: [] };
    }
    const entries: JournalEntry[] = [];
    const unreadable: string[] = [];
    for (const name of names) {
      try {
        const e = JSON.parse(readFileSync(join(this.dir, name), 'utf8')) as JournalEntry;
        if (typeof e.base !== 'string' || typeof e.camera !== 'string' || (e.ext !== 'mp4' && e.ext !== 'mkv')) throw new Error('bad entry');
        entries.push(e);
      } catch {
        unreadable.push(name);
      }
    }
    return { entries, unreadable };
  }
}
