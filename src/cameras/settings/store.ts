/**
 * Saved camera settings (controls and capture mode), kept per physical camera under the
 * identity key the id store uses for it (`usb:…`, `bus:…`, `test-pattern:<name>`), in
 * `<state_path>/camera-settings.json`, written atomically. Only values an operator asked to
 * persist are here; values the device later rejects are removed.
 */
import { readJsonFile, writeJsonAtomic } from '../../lib/state-file.js';
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

  constructor(private readonly file: string) {
    this.#cameras = load(file);
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
    writeJsonAtomic(this.file, { version: 1, cameras: next });
    this.#cameras = next;
  }
}

function load(file: string): Record<string, SavedSettings> {
  const doc = readJsonFile(file) as { cameras?: unknown } | undefined;
  if (doc === undefined) return {};
  if (typeof doc.cameras !== 'object' || doc.cameras === null || Array.isArray(doc.cameras)) throw new Error(`${file}: not a camera settings file (no "cameras" map)`);
  const out: Record<string, SavedSettings> = {};
  for (const [identity, raw] of Object.entries(doc.cameras as Record<string, Partial<SavedSettings>>)) {
    const controls: Record<string, ControlValue> = {};
    for (const [k, v] of Object.entries(raw?.controls ?? {})) if (['number', 'boolean', 'string'].includes(typeof v)) controls[k] = v as ControlValue;
    const m = raw?.mode;
    const mode = m && typeof m.format === 'string' && Number.isInteger(m.width) && Number.isInteger(m.height) && typeof m.fps === 'number' ? { format: m.format, width: m.width, height: m.height, fps: m.fps } : undefined;
    out[identity] = { controls, ...(mode ? { mode } : {}) };
  }
  return out;
}
