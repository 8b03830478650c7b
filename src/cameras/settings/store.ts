/**
 * Saved camera settings (controls and capture mode), kept per physical camera under the
 * identity key the id store uses for it (`usb:…`, `bus:…`, `test-pattern:<name>`), in
 * `<state_path>/camera-settings.json`, written atomically and loaded through the one validating
 * state-file loader (an unusable file is moved aside and the cameras start with their own
 * settings). Only values an operator asked to persist are here; values the device later
 * rejects are removed.
 */
import { t } from '../../lib/schema.js';
import { loadStateFile, stderrLog, writeStateFile, type StateFileLog } from '../../lib/state-file.js';
import type { ControlValue } from './controls.js';
import type { ModeRequest } from './mode.js';

export interface SavedMode {
  format: string;
  width: number;
  height: number;
  fps: number;
}

export interface SavedSettings {
  controls: Record<string, ControlValue>;
  mode?: SavedMode;
}

export class SettingsStore {
  #cameras: Record<string, SavedSettings>;

  constructor(
    private readonly file: string,
    log: StateFileLog = stderrLog,
  ) {
    this.#cameras = load(file, log);
  }

  get(identity: string): SavedSettings {
    const s = this.#cameras[identity];
    return { controls: { ...(s?.controls ?? {}) }, ...(s?.mode ? { mode: { ...s.mode } } : {}) };
  }

  /** Saves control values (merged over those saved before). */
  saveControls(identity: string, values: Record<string, ControlValue>): void {
    if (Object.keys(values).length === 0) return;
    const s = this.get(identity);
    this.#put(identity, { ...s, controls: { ...s.controls, ...values } });
  }

  /** Removes saved control values (all when `names` is absent); returns the names removed. */
  removeControls(identity: string, names?: readonly string[]): string[] {
    const s = this.get(identity);
    const gone = Object.keys(s.controls).filter((n) => !names || names.includes(n));
    if (gone.length === 0) return [];
    for (const n of gone) delete s.controls[n];
    this.#put(identity, s);
    return gone;
  }

  saveMode(identity: string, mode: ModeRequest & { format: string }): void {
    const s = this.get(identity);
    this.#put(identity, { ...s, mode: { format: mode.format, width: mode.width, height: mode.height, fps: mode.fps } });
  }

  removeMode(identity: string): boolean {
    const s = this.get(identity);
    if (!s.mode) return false;
    delete s.mode;
    this.#put(identity, s);
    return true;
  }

  #put(identity: string, s: SavedSettings): void {
    const next = { ...this.#cameras };
    if (Object.keys(s.controls).length === 0 && !s.mode) delete next[identity];
    else next[identity] = s;
    writeStateFile(this.file, { version: 1, cameras: next });
    this.#cameras = next;
  }
}

/** `camera-settings.json`; unknown fields are tolerated (a newer version may add some). */
export const cameraSettingsSchema = t.object(
  {
    version: t.optional(t.integer({ minimum: 1 })),
    cameras: t.record(
      t.object(
        {
          controls: t.optional(t.record(t.unknown())),
          mode: t.optional(t.object({ format: t.string({ minLength: 1 }), width: t.integer({ minimum: 1 }), height: t.integer({ minimum: 1 }), fps: t.number({ minimum: 0 }) }, { additionalProperties: true })),
        },
        { additionalProperties: true },
      ),
    ),
  },
  { additionalProperties: true },
);

function load(file: string, log: StateFileLog): Record<string, SavedSettings> {
  const doc = loadStateFile(file, {
    schema: cameraSettingsSchema,
    fallback: () => ({ cameras: {} }),
    holds: 'saved camera settings (cameras keep the settings they have)',
    log,
  }).value;
  const out: Record<string, SavedSettings> = {};
  for (const [identity, entry] of Object.entries(doc.cameras)) {
    const raw = entry as { controls?: Record<string, unknown>; mode?: SavedMode }; // validated above
    const controls: Record<string, ControlValue> = {};
    for (const [k, v] of Object.entries(raw.controls ?? {})) if (['number', 'boolean', 'string'].includes(typeof v)) controls[k] = v as ControlValue;
    const m = raw.mode;
    out[identity] = { controls, ...(m ? { mode: { format: m.format, width: m.width, height: m.height, fps: m.fps } } : {}) };
  }
  return out;
}
