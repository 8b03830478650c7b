/**
 * V4L2 controls as the API shows them, and validation of requested values (pure).
 *
 * - `controlView`: a parsed `v4l2-ctl --list-ctrls-menus` control → the API's control object
 *   (types int, bool, menu, intmenu, button, bitmask, int64, string; compound and array
 *   controls are left out).
 * - `planControlWrites`: checks every requested value against the device's own ranges, step,
 *   menu items and flags, all-or-nothing: any problem refuses the whole request with one entry
 *   per control. Dependent pairs (an automatic control and the manual ones it governs) are
 *   ordered: switching the automatic one to manual first when it activates them, last when it
 *   deactivates them; a control that is inactive now is accepted when the same request makes
 *   it active.
 */
import type { V4l2Control } from '../../discovery/v4l2-controls.js';

import type { CameraControl, ControlValue } from '../../client/methods.js';

/** The API's control object: the wire type the typed client publishes (src/client/methods.ts). */
export type ControlView = CameraControl;
export type ControlType = CameraControl['type'];
export type { ControlValue };

const TYPES: Record<string, ControlType> = {
  int: 'int', bool: 'bool', menu: 'menu', intmenu: 'intmenu', button: 'button', bitmask: 'bitmask', int64: 'int64', str: 'string',
};

/** The API type of a v4l2-ctl control type, or undefined for compound/array types (not offered). */
export function controlType(c: V4l2Control): ControlType | undefined {
  return TYPES[c.type];
}

/** "exposure_time_absolute" → "Exposure Time Absolute" (v4l2-ctl prints ids, not the driver's labels). */
export function labelOf(name: string): string {
  return name.split('_').filter((w) => w !== '').map((w) => w[0]!.toUpperCase() + w.slice(1)).join(' ');
}

const unsigned = (n: number | null): number | null => (n === null ? null : n >>> 0);

function numberOrExact(c: V4l2Control, key: 'min' | 'max' | 'default' | 'value'): number | string | null {
  return c.exact?.[key] ?? (c[key] as number | null);
}

/** The API view of one parsed control; undefined for types the API does not offer. */
export function controlView(c: V4l2Control, persisted: boolean): ControlView | undefined {
  const type = controlType(c);
  if (!type) return undefined;
  const flags = c.flags.filter((f) => /^[a-z][a-z-]*$/.test(f));
  const base = { name: c.name, label: labelOf(c.name), type, step: c.step, menu: c.menu.map((m) => ({ ...m })), flags, persisted };
  switch (type) {
    case 'bool':
      return { ...base, min: null, max: null, step: null, default: c.default === null ? null : c.default !== 0, value: typeof c.value === 'number' ? c.value !== 0 : null };
    case 'button':
      return { ...base, min: null, max: null, step: null, default: null, value: null };
    case 'bitmask':
      return { ...base, min: 0, max: unsigned(c.max), step: null, default: unsigned(c.default), value: typeof c.value === 'number' ? unsigned(c.value) : null };
    case 'int64':
      return { ...base, min: numberOrExact(c, 'min'), max: numberOrExact(c, 'max'), default: numberOrExact(c, 'default'), value: numberOrExact(c, 'value') };
    case 'string':
      return { ...base, min: c.min, max: c.max, default: null, value: typeof c.value === 'string' ? c.value : null };
    default:
      return { ...base, min: c.min, max: c.max, default: c.default, value: typeof c.value === 'number' ? c.value : null };
  }
}

// ---- dependent pairs ------------------------------------------------------------------

/**
 * Automatic controls and the manual controls they govern. `activates(value)`: the manual
 * controls are active (writable) with this value of the automatic one.
 */
export const DEPENDENT_PAIRS: readonly { auto: string; dependents: readonly string[]; activates(v: number): boolean }[] = [
  // V4L2_EXPOSURE_AUTO 0, MANUAL 1, SHUTTER_PRIORITY 2, APERTURE_PRIORITY 3
  { auto: 'auto_exposure', dependents: ['exposure_time_absolute', 'exposure_absolute'], activates: (v) => v === 1 || v === 2 },
  { auto: 'exposure_auto', dependents: ['exposure_time_absolute', 'exposure_absolute'], activates: (v) => v === 1 || v === 2 },
  { auto: 'focus_automatic_continuous', dependents: ['focus_absolute', 'focus_relative'], activates: (v) => v === 0 },
  { auto: 'focus_auto', dependents: ['focus_absolute', 'focus_relative'], activates: (v) => v === 0 },
  { auto: 'white_balance_automatic', dependents: ['white_balance_temperature', 'red_balance', 'blue_balance'], activates: (v) => v === 0 },
  { auto: 'white_balance_temperature_auto', dependents: ['white_balance_temperature', 'red_balance', 'blue_balance'], activates: (v) => v === 0 },
  { auto: 'gain_automatic', dependents: ['gain'], activates: (v) => v === 0 },
  { auto: 'autogain', dependents: ['gain'], activates: (v) => v === 0 },
  { auto: 'hue_auto', dependents: ['hue'], activates: (v) => v === 0 },
];

/**
 * Persistence policy: saving a manual value (e.g. `gain`) also saves the current value of the
 * automatic control that governs it (`gain_automatic`), so the manual value can be put back
 * after a re-plug, when the automatic mode is on again.
 */
export function governingValues(controls: readonly V4l2Control[], names: readonly string[]): Record<string, ControlValue> {
  const out: Record<string, ControlValue> = {};
  for (const pair of DEPENDENT_PAIRS) {
    if (names.includes(pair.auto) || !pair.dependents.some((d) => names.includes(d))) continue;
    const auto = controls.find((c) => c.name === pair.auto);
    const v = auto ? controlView(auto, false)?.value : undefined;
    if (v !== undefined && v !== null) out[pair.auto] = v;
  }
  return out;
}

// ---- validation -------------------------------------------------------------------------

export interface ControlProblem {
  /** unknown, type, minimum, maximum, step, menu, read-only, inactive, unsupported, grabbed, length, charset */
  rule: string;
  reason: string;
}

/** One value to write: `text` is what `v4l2-ctl --set-ctrl name=text` gets; `value` is the API value. */
export interface ControlWrite {
  name: string;
  text: string;
  value: ControlValue;
}

export type WritePlan =
  | { ok: true; /** Batches in order: each is one write; a later batch depends on an earlier one. */ batches: ControlWrite[][] }
  | { ok: false; details: Record<string, ControlProblem> };

const problem = (rule: string, reason: string): ControlProblem => ({ rule, reason });

function describe(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** Converts and checks one value; the numeric form (for pair logic) comes back with the write. */
function check(c: V4l2Control, raw: unknown): { write: ControlWrite; numeric: number | null } | ControlProblem {
  const type = controlType(c);
  if (!type) return problem('unsupported', `${c.type} controls (arrays, compound values) cannot be set through the API`);
  if (type === 'button') return problem('unsupported', 'buttons are actions, not settings; they cannot be set or saved');
  if (c.flags.includes('read-only')) return problem('read-only', 'the device reports this control as read-only');
  if (c.flags.includes('grabbed')) return problem('grabbed', 'the device does not allow changing this control while it streams');
  const range = (n: number): ControlProblem | undefined => {
    if (c.min !== null && n < c.min) return problem('minimum', `${n} is below the minimum ${c.min}`);
    if (c.max !== null && n > c.max) return problem('maximum', `${n} is above the maximum ${c.max}`);
    if (c.step !== null && c.step > 1 && c.min !== null && (n - c.min) % c.step !== 0) {
      return problem('step', `${n} is not min ${c.min} plus a multiple of the step ${c.step}`);
    }
    return undefined;
  };
  switch (type) {
    case 'bool': {
      const b = raw === true || raw === 1 ? 1 : raw === false || raw === 0 ? 0 : undefined;
      if (b === undefined) return problem('type', `must be true or false (or 1/0), got ${describe(raw)}`);
      return { write: { name: c.name, text: String(b), value: b === 1 }, numeric: b };
    }
    case 'int': {
      if (typeof raw !== 'number' || !Number.isInteger(raw)) return problem('type', `must be an integer, got ${describe(raw)}`);
      const bad = range(raw);
      return bad ?? { write: { name: c.name, text: String(raw), value: raw }, numeric: raw };
    }
    case 'menu':
    case 'intmenu': {
      let index: number | undefined;
      if (typeof raw === 'number' && Number.isInteger(raw)) index = raw;
      else if (typeof raw === 'string') index = c.menu.find((m) => m.label.toLowerCase() === raw.toLowerCase())?.index;
      if (index === undefined) {
        const items = c.menu.map((m) => `${m.index} (${m.label})`).join(', ');
        return problem(typeof raw === 'string' ? 'menu' : 'type', `must be a menu index${c.menu.length ? ` or label: ${items}` : ''}, got ${describe(raw)}`);
      }
      const bad = range(index);
      if (bad) return bad;
      if (c.menu.length > 0 && !c.menu.some((m) => m.index === index)) {
        return problem('menu', `${index} is not an item of this menu (items: ${c.menu.map((m) => `${m.index} (${m.label})`).join(', ')})`);
      }
      return { write: { name: c.name, text: String(index), value: index }, numeric: index };
    }
    case 'bitmask': {
      if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0 || raw > 0xffffffff) return problem('type', `must be an unsigned 32-bit integer, got ${describe(raw)}`);
      const max = c.max === null ? 0xffffffff : c.max >>> 0;
      if ((raw & ~max) >>> 0 !== 0) return problem('maximum', `bits 0x${((raw & ~max) >>> 0).toString(16)} are not in the mask 0x${max.toString(16)}`);
      return { write: { name: c.name, text: `0x${raw.toString(16)}`, value: raw }, numeric: raw };
    }
    case 'int64': {
      let big: bigint | undefined;
      if (typeof raw === 'number' && Number.isSafeInteger(raw)) big = BigInt(raw);
      else if (typeof raw === 'string' && /^-?\d{1,19}$/.test(raw)) big = BigInt(raw);
      if (big === undefined) return problem('type', `must be an integer (a decimal string beyond ±2^53), got ${describe(raw)}`);
      const min = BigInt(c.exact?.min ?? c.min ?? '-9223372036854775808');
      const max = BigInt(c.exact?.max ?? c.max ?? '9223372036854775807');
      if (big < min) return problem('minimum', `${big} is below the minimum ${min}`);
      if (big > max) return problem('maximum', `${big} is above the maximum ${max}`);
      const step = BigInt(c.step ?? 1);
      if (step > 1n && (big - min) % step !== 0n) return problem('step', `${big} is not min ${min} plus a multiple of the step ${step}`);
      const value = Number.isSafeInteger(Number(big)) ? Number(big) : big.toString();
      return { write: { name: c.name, text: big.toString(), value }, numeric: null };
    }
    case 'string': {
      if (typeof raw !== 'string') return problem('type', `must be a string, got ${describe(raw)}`);
      // v4l2-ctl separates controls with commas; control characters have no place in a setting.
      if (/[,\p{Cc}]/u.test(raw)) return problem('charset', 'must not contain commas or control characters');
      const len = raw.length;
      if (c.min !== null && len < c.min) return problem('length', `must be at least ${c.min} characters long`);
      if (c.max !== null && len > c.max) return problem('length', `must be at most ${c.max} characters long`);
      if (c.step !== null && c.step > 1 && c.min !== null && (len - c.min) % c.step !== 0) return problem('length', `length must be ${c.min} plus a multiple of ${c.step}`);
      return { write: { name: c.name, text: raw, value: raw }, numeric: null };
    }
  }
}

/**
 * Checks a whole request against the device's controls; on success, the writes in the order
 * the device needs them. Nothing is written when anything is wrong.
 */
export function planControlWrites(controls: readonly V4l2Control[], request: Readonly<Record<string, unknown>>): WritePlan {
  const byName = new Map(controls.map((c) => [c.name, c]));
  const details: Record<string, ControlProblem> = {};
  const writes = new Map<string, { write: ControlWrite; numeric: number | null }>();
  for (const [name, raw] of Object.entries(request)) {
    const c = byName.get(name);
    if (!c) {
      details[name] = problem('unknown', 'the camera has no control of this name (get_camera_controls lists them)');
      continue;
    }
    const r = check(c, raw);
    if ('rule' in r) details[name] = r;
    else writes.set(name, r);
  }

  // Inactive controls: accepted when the request switches their automatic control to manual.
  const edges: [string, string][] = [];
  const activatedBy = new Map<string, string>();
  for (const pair of DEPENDENT_PAIRS) {
    const auto = writes.get(pair.auto);
    if (!auto || auto.numeric === null) continue;
    const on = pair.activates(auto.numeric);
    for (const dep of pair.dependents) {
      if (!byName.has(dep)) continue;
      if (on) activatedBy.set(dep, pair.auto);
      if (writes.has(dep)) edges.push(on ? [pair.auto, dep] : [dep, pair.auto]);
    }
  }
  for (const [name] of writes) {
    const c = byName.get(name)!;
    if (c.flags.includes('inactive') && !activatedBy.has(name)) {
      const pair = DEPENDENT_PAIRS.find((p) => p.dependents.includes(name) && byName.has(p.auto));
      const hint = pair ? `; set ${pair.auto} to manual in the same request` : '';
      details[name] = problem('inactive', `the control is inactive now (governed by an automatic mode)${hint}`);
    }
  }
  if (Object.keys(details).length > 0) return { ok: false, details };

  // Kahn's algorithm by levels; request order inside a level.
  const names = [...writes.keys()];
  const before = new Map(names.map((n) => [n, new Set<string>()]));
  for (const [a, b] of edges) before.get(b)!.add(a);
  const batches: ControlWrite[][] = [];
  const done = new Set<string>();
  while (done.size < names.length) {
    const level = names.filter((n) => !done.has(n) && [...before.get(n)!].every((p) => done.has(p)));
    if (level.length === 0) throw new Error('dependent control pairs form a cycle'); // cannot happen with DEPENDENT_PAIRS
    for (const n of level) done.add(n);
    batches.push(level.map((n) => writes.get(n)!.write));
  }
  return { ok: true, batches };
}

/** The request that puts controls back to their defaults: writable controls with a default, inactive ones left out. */
export function defaultsRequest(controls: readonly V4l2Control[], names?: readonly string[]): { request: Record<string, ControlValue>; skipped: string[] } {
  const request: Record<string, ControlValue> = {};
  const skipped: string[] = [];
  const wanted = names ? new Set(names) : undefined;
  for (const c of controls) {
    if (wanted && !wanted.has(c.name)) continue;
    const type = controlType(c);
    const writable = type !== undefined && type !== 'button' && type !== 'string' && !c.flags.includes('read-only') && !c.flags.includes('inactive') && !c.flags.includes('grabbed');
    if (!writable || c.default === null) {
      skipped.push(c.name);
      continue;
    }
    request[c.name] = type === 'bool' ? c.default !== 0 : type === 'int64' ? (c.exact?.default ?? c.default) : type === 'bitmask' ? c.default >>> 0 : c.default;
  }
  return { request, skipped };
}
