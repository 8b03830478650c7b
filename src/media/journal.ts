/**
 * The recording journal: one small JSON file per running recording under
 * `<state_path>/recordings/`, written (src/lib/state-file.ts) before FFmpeg starts and removed
 * once the recording is finalized. Whatever is left at start belongs to a recording that a
 * crash or power cut interrupted; recovery finalizes it. Entries are validated before anything
 * is touched: the file names they lead to must be single path components of the recordings
 * folder; an entry that is not is moved aside and reported, and nothing is done with it.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { t } from '../lib/schema.js';
import { loadStateFile, setAside, writeStateFile, type StateFileLog } from '../lib/state-file.js';
import { fileNameProblem, type RecordingFormat } from './names.js';

/** One journal entry (`<state_path>/recordings/<base>.json`). */
export const journalEntrySchema = t.object(
  {
    camera: t.string({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
    // A recording's base name: one path component, no leading dot (checked again with fileNameProblem).
    base: t.string({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,200}$' }),
    ext: t.enum(['mp4', 'mkv'] as const),
    format: t.enum(['fmp4', 'mp4', 'mkv'] as const),
    startedAt: t.integer({ minimum: 0 }),
    state: t.enum(['recording', 'finalize'] as const),
  },
  { additionalProperties: true },
);

/** Why an entry must not be acted on, or undefined when it is safe. */
export function journalEntryProblem(e: JournalEntry, fileName: string): string | undefined {
  if (`${e.base}.json` !== fileName) return `its base ${JSON.stringify(e.base)} does not match its file name`;
  for (const name of [`${e.base}.${e.ext}`, `${e.base}_part1.${e.ext}`]) {
    const p = fileNameProblem(name);
    if (p) return `base ${JSON.stringify(e.base)}: file name ${p}`;
  }
  if (!e.base.startsWith(`${e.camera}_`)) return `base ${JSON.stringify(e.base)} is not a recording of ${e.camera}`;
  return undefined;
}

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
    const problem = fileNameProblem(`${base}.json`);
    if (problem) throw new Error(`journal entry name ${JSON.stringify(base)}: ${problem}`);
    return join(this.dir, `${base}.json`);
  }

  write(entry: JournalEntry): void {
    writeStateFile(this.#file(entry.base), entry);
  }

  remove(base: string): void {
    rmSync(this.#file(base), { force: true });
  }

  /**
   * Entries left behind. An unreadable, wrong-shape or unsafe entry is moved aside
   * (`<name>.corrupt-<time>`), logged with what it held, and reported in `unreadable`.
   */
  list(log: StateFileLog): { entries: JournalEntry[]; unreadable: string[] } {
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((n) => n.endsWith('.json'));
    } catch {
      return { entries: [], unreadable: [] };
    }
    const entries: JournalEntry[] = [];
    const unreadable: string[] = [];
    for (const name of names) {
      const file = join(this.dir, name);
      const holds = 'record of an interrupted recording (its files stay listed as they are, not repaired)';
      const loaded = loadStateFile<JournalEntry | null>(file, { schema: journalEntrySchema, fallback: () => null, holds, log });
      const e = loaded.value;
      if (e === null) {
        if (loaded.status === 'quarantined') unreadable.push(name);
        continue;
      }
      const problem = journalEntryProblem(e, name);
      if (problem) {
        // Valid JSON of the right shape pointing outside the recordings: set aside the same way.
        setAside(file, problem, { holds, log });
        unreadable.push(name);
        continue;
      }
      entries.push(e);
    }
    return { entries, unreadable };
  }
}
