/**
 * Camera settings at run time: V4L2 controls and the capture mode, kept per physical camera
 * and put back when the camera connects (first plug after start, re-plug, service restart)
 * and after each publisher start. Operations on one camera run one at a time.
 *
 * Control values set without `persist` hold until the service stops (they are re-applied like
 * saved ones); saved values survive restarts. A value the device no longer accepts is dropped
 * from both and reported (`rejected`), never retried.
 */
import { EventEmitter } from 'node:events';
import type { V4l2Control } from '../../discovery/v4l2-controls.js';
import type { ModeChoice } from '../../discovery/mode-policy.js';
import type { PixelFormat } from '../../discovery/v4l2-formats.js';
import type { Logger } from '../../observability/logger.js';
import type { Camera, CameraRegistry } from '../registry.js';
import { testPatternSource, type TestPatternCameras } from '../test-patterns.js';
import { controlView, defaultsRequest, governingValues, planControlWrites, type ControlProblem, type ControlValue, type ControlView, type ControlWrite } from './controls.js';
import { matchMode, matchTestPatternMode, type ModeRequest } from './mode.js';
import type { SavedMode, SettingsStore } from './store.js';
import type { ControlDevice } from './v4l2-ctl.js';

export interface Actor {
  user: string;
  role: string;
}

export interface SettingsChange {
  device: string;
  controls?: Record<string, ControlValue>;
  reset?: string[];
  mode?: SavedMode & { source: 'operator' | 'policy' };
  persisted: boolean;
  /** Who: the user id, or "camera-service" when saved settings were re-applied. */
  by: string;
  reason: 'set' | 'reset' | 'reapplied_on_connect' | 'reapplied_before_publisher_start' | 'reapplied_after_publisher_start';
}

export interface SettingsEvents {
  changed: [change: SettingsChange];
  /** Saved values the device no longer accepts; they were dropped. */
  rejected: [camera: Camera, reason: string, details: Record<string, ControlProblem>];
}

/** Errors the API maps to its codes. */
export class SettingsError extends Error {
  constructor(
    readonly kind: 'not_found' | 'invalid_state' | 'invalid_params' | 'device',
    message: string,
    readonly extra: { state?: string; allowed?: string[]; param?: string; rule?: string; details?: Record<string, ControlProblem>; detail?: string } = {},
  ) {
    super(message);
    this.name = 'SettingsError';
  }
}

export interface CameraSettingsDeps {
  registry: CameraRegistry;
  store: SettingsStore;
  device: ControlDevice;
  testPatterns: TestPatternCameras;
  log: Logger;
  /** Formats of a connected V4L2 camera's primary node. */
  formatsOf(id: string): readonly PixelFormat[] | undefined;
  /** Makes discovery choose modes again (modeOverride is consulted). */
  refreshModes(): void;
  /** True while the camera records (a mode change is refused then). */
  recording(id: string): boolean;
  preferredFormats?: string[];
}

const identityOf = (c: Camera): string | undefined => (typeof c.debug?.identity === 'string' ? c.debug.identity : undefined);
const deviceOf = (c: Camera): string | undefined => (c.kind === 'v4l2' && typeof c.debug?.device === 'string' ? c.debug.device : undefined);

export class CameraSettings extends EventEmitter<SettingsEvents> {
  /** Values set without persist, per identity (saved values are in the store). */
  readonly #transient = new Map<string, Record<string, ControlValue>>();
  /** Modes set without persist, per identity. */
  readonly #modes = new Map<string, SavedMode>();
  /** Last controls read per camera id (ranges, flags, menus for validation). */
  readonly #cache = new Map<string, V4l2Control[]>();
  readonly #chains = new Map<string, Promise<unknown>>();

  constructor(private readonly d: CameraSettingsDeps) {
    super();
    d.registry.on('change', (camera, previous) => {
      if (camera.status !== 'CONNECTED') this.#cache.delete(camera.id);
      if (camera.kind === 'v4l2' && camera.status === 'CONNECTED' && previous?.status !== 'CONNECTED') void this.reapply(camera.id, 'reapplied_on_connect');
    });
  }

  /** One operation at a time per camera. */
  #serial<T>(id: string, op: () => Promise<T>): Promise<T> {
    const next = (this.#chains.get(id) ?? Promise.resolve()).then(op);
    this.#chains.set(id, next.catch(() => undefined));
    return next;
  }

  #camera(id: string): Camera {
    const c = this.d.registry.get(id);
    if (!c) throw new SettingsError('not_found', `camera '${id}' does not exist`);
    return c;
  }

  #connected(id: string): Camera {
    const c = this.#camera(id);
    if (c.status !== 'CONNECTED') throw new SettingsError('invalid_state', `camera ${id} is ${c.status}`, { state: c.status, allowed: ['CONNECTED'] });
    return c;
  }

  #wanted(identity: string): Record<string, ControlValue> {
    return { ...this.d.store.get(identity).controls, ...(this.#transient.get(identity) ?? {}) };
  }

  async #read(id: string, devnode: string): Promise<V4l2Control[]> {
    try {
      const list = await this.d.device.read(devnode);
      this.#cache.set(id, list);
      return list;
    } catch (err) {
      throw new SettingsError('device', `reading the camera's controls failed: ${(err as Error).message}`, { detail: (err as Error).message });
    }
  }

  /** get_camera_controls: every control, read from the device now. Test-pattern cameras have none. */
  async controls(id: string): Promise<ControlView[]> {
    const camera = this.#connected(id);
    const devnode = deviceOf(camera);
    if (!devnode) return [];
    const identity = identityOf(camera) ?? id;
    const saved = this.d.store.get(identity).controls;
    const list = await this.#serial(id, () => this.#read(id, devnode));
    return list.map((c) => controlView(c, c.name in saved)).filter((v): v is ControlView => v !== undefined);
  }

  /** Writes batches; on a device failure, puts the previous values back (best effort) and throws. */
  async #write(id: string, devnode: string, batches: ControlWrite[][], before: readonly V4l2Control[]): Promise<V4l2Control[]> {
    let after: V4l2Control[] | undefined;
    try {
      for (const batch of batches) after = await this.d.device.write(devnode, batch);
    } catch (err) {
      // Batches already written (and the failed one, which may be half applied) get their previous values back.
      const failed = batches.flat();
      const previous = (name: string) => {
        const c = before.find((x) => x.name === name);
        return c ? controlView(c, false)?.value : undefined;
      };
      const undo = planControlWrites(before, Object.fromEntries(failed.map((w) => [w.name, previous(w.name)]).filter(([, v]) => v !== undefined && v !== null)));
      if (undo.ok) for (const b of undo.batches.reverse()) await this.d.device.write(devnode, b).catch(() => undefined);
      this.#cache.delete(id);
      throw new SettingsError('device', `the device refused the values: ${(err as Error).message}`, { detail: (err as Error).message });
    }
    const list = after ?? (await this.d.device.read(devnode));
    this.#cache.set(id, list);
    return list;
  }

  /** set_camera_controls: all or nothing; returns the values read back. */
  setControls(id: string, request: Record<string, unknown>, persist: boolean, who: Actor): Promise<{ controls: Record<string, ControlValue | null>; persisted: boolean }> {
    const camera = this.#connected(id);
    const devnode = deviceOf(camera);
    const identity = identityOf(camera) ?? id;
    if (Object.keys(request).length === 0) return Promise.reject(new SettingsError('invalid_params', 'controls must name at least one control', { param: 'controls', rule: 'minProperties:1' }));
    return this.#serial(id, async () => {
      const cached = devnode ? this.#cache.get(id) : undefined;
      let current = cached ?? (devnode ? await this.#read(id, devnode) : []);
      let plan = planControlWrites(current, request);
      if (!plan.ok && cached) {
        // The cached flags may be stale (another program switched an automatic mode): judge again on a fresh read.
        current = await this.#read(id, devnode!);
        plan = planControlWrites(current, request);
      }
      if (!plan.ok) throw invalidControls(plan.details);
      const after = await this.#write(id, devnode!, plan.batches, current);
      const readBack = valuesOf(after, Object.keys(request));
      const set = Object.fromEntries(plan.batches.flat().map((w) => [w.name, w.value]));
      const keep = { ...set, ...governingValues(after, Object.keys(set)) };
      if (persist) {
        this.d.store.saveControls(identity, keep);
        const tr = this.#transient.get(identity);
        if (tr) for (const n of Object.keys(keep)) delete tr[n];
      } else {
        this.#transient.set(identity, { ...(this.#transient.get(identity) ?? {}), ...keep });
      }
      this.#changed({ device: id, controls: readBack as Record<string, ControlValue>, persisted: persist, by: who.user, reason: 'set' }, who);
      return { controls: readBack, persisted: persist };
    });
  }

  /** reset_camera_controls: device defaults, saved and unsaved values forgotten. */
  resetControls(id: string, names: string[] | undefined, who: Actor): Promise<{ controls: Record<string, ControlValue | null>; skipped: string[] }> {
    const camera = this.#connected(id);
    const devnode = deviceOf(camera);
    const identity = identityOf(camera) ?? id;
    return this.#serial(id, async () => {
      const current = devnode ? await this.#read(id, devnode) : [];
      if (names) {
        const unknown = names.filter((n) => !current.some((c) => c.name === n));
        if (unknown.length > 0) {
          throw invalidControls(Object.fromEntries(unknown.map((n) => [n, { rule: 'unknown', reason: 'the camera has no control of this name (get_camera_controls lists them)' }])));
        }
      }
      const { request, skipped } = defaultsRequest(current, names);
      const plan = planControlWrites(current, request);
      if (!plan.ok) throw invalidControls(plan.details);
      const after = plan.batches.length > 0 ? await this.#write(id, devnode!, plan.batches, current) : current;
      this.d.store.removeControls(identity, names);
      const tr = this.#transient.get(identity);
      if (tr) for (const n of Object.keys(tr)) if (!names || names.includes(n)) delete tr[n];
      const controls = valuesOf(after, Object.keys(request));
      this.#changed({ device: id, controls: controls as Record<string, ControlValue>, reset: Object.keys(request), persisted: true, by: who.user, reason: 'reset' }, who);
      return { controls, skipped };
    });
  }

  /** The operator's mode for an identity, checked against the formats (discovery asks while it builds the camera). */
  modeOverride(identity: string, formats: readonly PixelFormat[]): ModeChoice | undefined {
    const want = this.#modes.get(identity) ?? this.d.store.get(identity).mode;
    if (!want) return undefined;
    const m = matchMode(formats, want, this.d.preferredFormats);
    if (m.ok) return m.mode;
    // The device no longer offers it: drop it, tell clients once the camera is in the registry.
    this.#modes.delete(identity);
    this.d.store.removeMode(identity);
    this.d.log.warn({ identity, mode: want, reason: m.reason }, 'saved capture mode no longer offered by the camera: dropped');
    queueMicrotask(() => {
      const camera = this.d.registry.list().find((c) => identityOf(c) === identity);
      if (camera) this.emit('rejected', camera, `saved capture mode dropped: ${m.reason}`, { mode: { rule: m.rule, reason: m.reason } });
    });
    return undefined;
  }

  /** Whether the camera's mode is the policy's choice or an operator's. */
  modeSource(camera: Camera): 'operator' | 'policy' {
    if (camera.kind === 'test_pattern') {
      const identity = identityOf(camera);
      return identity && (this.#modes.has(identity) || this.d.store.get(identity).mode) ? 'operator' : 'policy';
    }
    return camera.debug?.mode_source === 'operator' ? 'operator' : 'policy';
  }

  /** A test-pattern camera's saved mode (applied when it is added). */
  testPatternMode(identity: string): SavedMode | undefined {
    return this.#modes.get(identity) ?? this.d.store.get(identity).mode;
  }

  /** set_camera_mode: validated against the camera's formats; the publisher restarts with it. */
  setMode(id: string, want: ModeRequest, persist: boolean, who: Actor): Promise<SavedMode & { source: 'operator'; persisted: boolean }> {
    const camera = this.#connected(id);
    const identity = identityOf(camera) ?? id;
    return this.#serial(id, async () => {
      if (this.d.recording(id)) {
        throw new SettingsError('invalid_state', `camera ${id} is recording; stop the recording before changing the capture mode`, { state: 'RECORDING', allowed: ['CONNECTED'] });
      }
      const pattern = testPatternSource(camera);
      let formats: readonly PixelFormat[] | undefined;
      if (!pattern) {
        formats = this.d.formatsOf(id);
        if (!formats) throw new SettingsError('invalid_state', `camera ${id} has not been probed`, { state: camera.status, allowed: ['CONNECTED'] });
      }
      const m = pattern ? matchTestPatternMode(want) : matchMode(formats!, want, this.d.preferredFormats);
      if (!m.ok) throw new SettingsError('invalid_params', m.reason, { param: m.param, rule: m.rule });
      const mode: SavedMode = { format: m.mode.format, width: m.mode.width, height: m.mode.height, fps: m.mode.fps };
      this.#modes.set(identity, mode);
      if (persist) this.d.store.saveMode(identity, mode);
      else this.d.store.removeMode(identity);
      this.#rebuild(id, camera);
      this.#changed({ device: id, mode: { ...mode, source: 'operator' }, persisted: persist, by: who.user, reason: 'set' }, who);
      return { ...mode, source: 'operator' as const, persisted: persist };
    });
  }

  /** reset_camera_mode: back to the policy's (or the test pattern's configured) mode; the saved mode is removed. */
  resetMode(id: string, who: Actor): Promise<SavedMode & { source: 'policy' }> {
    const camera = this.#connected(id);
    const identity = identityOf(camera) ?? id;
    return this.#serial(id, async () => {
      const operatorMode = this.#modes.has(identity) || this.d.store.get(identity).mode !== undefined;
      if (operatorMode && this.d.recording(id)) {
        throw new SettingsError('invalid_state', `camera ${id} is recording; stop the recording before changing the capture mode`, { state: 'RECORDING', allowed: ['CONNECTED'] });
      }
      this.#modes.delete(identity);
      this.d.store.removeMode(identity);
      if (operatorMode) this.#rebuild(id, camera);
      const now = this.d.registry.get(id)?.mode ?? camera.mode;
      const mode: SavedMode = { format: now?.format ?? '', width: now?.width ?? 0, height: now?.height ?? 0, fps: now?.fps ?? 0 };
      this.#changed({ device: id, mode: { ...mode, source: 'policy' }, persisted: true, by: who.user, reason: 'reset' }, who);
      return { ...mode, source: 'policy' as const };
    });
  }

  /** Makes the camera's source build it again with the current mode choice (the stream manager restarts the publisher). */
  #rebuild(id: string, camera: Camera): void {
    if (camera.kind === 'test_pattern') {
      const name = this.d.testPatterns.nameOf(id);
      if (name) this.d.testPatterns.refresh(name);
    } else {
      this.d.refreshModes();
    }
  }

  /**
   * Puts the saved (and unsaved) control values back: when the camera connects, before its
   * publisher starts (so the first frames have them) and once the publisher runs (some
   * drivers reset controls at stream start). Values the device
   * now rejects are dropped and reported.
   */
  reapply(id: string, reason: 'reapplied_on_connect' | 'reapplied_before_publisher_start' | 'reapplied_after_publisher_start'): Promise<void> {
    return this.#serial(id, async () => {
      const camera = this.d.registry.get(id);
      const devnode = camera && camera.status === 'CONNECTED' ? deviceOf(camera) : undefined;
      const identity = camera ? identityOf(camera) : undefined;
      if (!camera || !devnode || !identity) return;
      const wanted = this.#wanted(identity);
      if (Object.keys(wanted).length === 0) return;
      let current: V4l2Control[];
      try {
        current = await this.d.device.read(devnode);
      } catch (err) {
        this.d.log.warn({ camera: id, err: (err as Error).message }, 'reading controls to re-apply saved settings failed');
        return;
      }
      const rejected: Record<string, ControlProblem> = {};
      let plan = planControlWrites(current, wanted);
      if (!plan.ok) {
        Object.assign(rejected, plan.details);
        for (const n of Object.keys(plan.details)) delete wanted[n];
        plan = planControlWrites(current, wanted);
      }
      let after = current;
      if (plan.ok && plan.batches.length > 0) {
        try {
          after = await this.#writeBatches(devnode, plan.batches);
        } catch {
          // Find the values the device refuses, one at a time; keep the others.
          for (const w of plan.batches.flat()) {
            try {
              after = await this.d.device.write(devnode, [w]);
            } catch (err) {
              rejected[w.name] = { rule: 'device', reason: `the device refused ${w.name}=${w.text}: ${(err as Error).message}` };
            }
          }
        }
      }
      this.#cache.set(id, after);
      if (Object.keys(rejected).length > 0) {
        this.d.store.removeControls(identity, Object.keys(rejected));
        const tr = this.#transient.get(identity);
        if (tr) for (const n of Object.keys(rejected)) delete tr[n];
        const text = Object.entries(rejected).map(([n, p]) => `${n} (${p.rule}: ${p.reason})`).join('; ');
        this.d.log.warn({ camera: id, rejected }, 'saved camera settings rejected by the device: dropped');
        this.emit('rejected', camera, `saved settings dropped, the camera no longer accepts them: ${text}`, rejected);
      }
      const applied = valuesOf(after, Object.keys(wanted).filter((n) => !(n in rejected)));
      if (Object.keys(applied).length === 0) return;
      this.d.log.info({ camera: id, reason, controls: applied }, 'saved camera settings re-applied');
      const saved = this.d.store.get(identity).controls;
      this.emit('changed', { device: id, controls: applied as Record<string, ControlValue>, persisted: Object.keys(applied).every((n) => n in saved), by: 'camera-service', reason });
    }).catch((err: Error) => this.d.log.warn({ camera: id, err: err.message }, 're-applying camera settings failed'));
  }

  async #writeBatches(devnode: string, batches: ControlWrite[][]): Promise<V4l2Control[]> {
    let after: V4l2Control[] = [];
    for (const b of batches) after = await this.d.device.write(devnode, b);
    return after;
  }

  #changed(change: SettingsChange, who: Actor): void {
    this.d.log.info({ audit: true, camera: change.device, user: who.user, role: who.role, action: change.reason, controls: change.controls, reset: change.reset, mode: change.mode, persisted: change.persisted }, 'camera settings changed');
    this.emit('changed', change);
  }
}

function valuesOf(list: readonly V4l2Control[], names: readonly string[]): Record<string, ControlValue | null> {
  const out: Record<string, ControlValue | null> = {};
  for (const n of names) {
    const c = list.find((x) => x.name === n);
    out[n] = c ? (controlView(c, false)?.value ?? null) : null;
  }
  return out;
}

function invalidControls(details: Record<string, ControlProblem>): SettingsError {
  const names = Object.keys(details);
  return new SettingsError('invalid_params', `invalid control values (${names.map((n) => `${n}: ${details[n]!.rule}`).join(', ')}); nothing was changed`, { param: 'controls', rule: 'controls', details });
}
