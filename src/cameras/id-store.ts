/**
 * The persisted map of physical identities to logical camera ids (`camera0`, …), shared by
 * every camera source (V4L2 discovery, test patterns). Assignment rules live in the pure
 * discovery/id-assignment module; this adapter loads and saves the JSON file atomically.
 */
import { readFileSync } from 'node:fs';
import { writeJsonAtomic } from '../lib/state-file.js';
import { assignIds, forgetId, type PresentDevice, type RegistryEntry } from '../discovery/id-assignment.js';

export class CameraIdStore {
  #entries: RegistryEntry[];

  constructor(private readonly file: string) {
    this.#entries = load(file);
  }

  entries(): RegistryEntry[] {
    return this.#entries.map((e) => ({ ...e }));
  }

  /** Ids for the given present devices (new ones get the lowest free id); persisted at once. */
  assign(present: PresentDevice[]): Map<string, string> {
    if (present.length === 0) return new Map();
    const result = assignIds(this.#entries, present);
    if (JSON.stringify(result.registry) !== JSON.stringify(this.#entries)) {
      this.#entries = result.registry;
      this.#save();
    }
    return result.ids;
  }

  /** Releases an id so the next new camera may take it. */
  forget(id: string): boolean {
    const next = forgetId(this.#entries, id);
    if (next.length === this.#entries.length) return false;
    this.#entries = next;
    this.#save();
    return true;
  }

  #save(): void {
    writeJsonAtomic(this.file, { version: 1, cameras: this.#entries });
  }
}

function load(file: string): RegistryEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const doc = JSON.parse(text) as { cameras?: RegistryEntry[] };
  if (!Array.isArray(doc.cameras)) throw new Error(`${file}: not a camera id registry (no "cameras" list)`);
  return doc.cameras;
}
