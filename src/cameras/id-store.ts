/**
 * The persisted map of physical identities to logical camera ids (`camera0`, …), shared by
 * every camera source (V4L2 discovery, test patterns). Assignment rules live in the pure
 * discovery/id-assignment module; this adapter loads and saves the JSON file atomically.
 */
import { assignIds, forgetId, type PresentDevice, type RegistryEntry } from '../discovery/id-assignment.js';
import { t } from '../lib/schema.js';
import { loadStateFile, stderrLog, writeStateFile, type StateFileLog } from '../lib/state-file.js';

/** `camera-ids.json`; unknown fields are kept out of the way (a newer version may add some). */
export const cameraIdsSchema = t.object(
  {
    version: t.optional(t.integer({ minimum: 1 })),
    cameras: t.array(
      t.object(
        {
          id: t.string({ pattern: '^camera[0-9]+$' }),
          identity: t.string({ minLength: 1 }),
          aliases: t.optional(t.array(t.string())),
          name: t.optional(t.string()),
        },
        { additionalProperties: true },
      ),
    ),
  },
  { additionalProperties: true },
);

export class CameraIdStore {
  #entries: RegistryEntry[];

  constructor(
    private readonly file: string,
    log: StateFileLog = stderrLog,
  ) {
    this.#entries = loadStateFile(file, {
      schema: cameraIdsSchema,
      fallback: () => ({ cameras: [] }),
      holds: 'camera id assignments (cameras get ids afresh, lowest free first)',
      log,
    }).value.cameras.map((e) => ({ ...e }));
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
    writeStateFile(this.file, { version: 1, cameras: this.#entries });
  }
}
