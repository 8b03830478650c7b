/**
 * Pure parser for `v4l2-ctl --list-ctrls` / `--list-ctrls-menus` (`-L`) output, and the
 * control lines inside `--all`.
 *
 * Accepts control lines with and without the hex id (v4l-utils before 1.12 printed
 * `brightness (int) : min=…`), class headers ("User Controls", "Camera Controls"), menu item
 * lines under menu controls, `value=2 (60 Hz)` labels and comma-separated `flags=`.
 */

export interface ControlMenuItem {
  index: number;
  /** May be empty: some firmwares report menu items without a name. */
  label: string;
}

export interface V4l2Control {
  name: string;
  /** Control id (e.g. 0x00980900); null when the output did not print it. */
  id: number | null;
  /** "int", "bool", "menu", "intmenu", "button", "bitmask", "int64", "str", "u8", … */
  type: string;
  min: number | null;
  max: number | null;
  step: number | null;
  default: number | null;
  /** Number, or the quoted text of string controls; null for controls without a value (buttons). */
  value: number | string | null;
  /** Text after the value, e.g. "60 Hz" for `value=2 (60 Hz)`. */
  valueLabel: string | null;
  flags: string[];
  /** Items listed under a menu/intmenu control (only with --list-ctrls-menus / -L / --all). */
  menu: ControlMenuItem[];
  /** Class header the control was listed under ("User Controls"), or null. */
  controlClass: string | null;
  /**
   * Decimal text of `min`/`max`/`default`/`value` when the number is not a safe integer
   * (64-bit controls): the numbers above are then rounded, these are exact.
   */
  exact?: Partial<Record<'min' | 'max' | 'default' | 'value', string>>;
}

const RE_CONTROL = /^\s*([A-Za-z0-9_]+)\s+(?:(0x[0-9a-fA-F]+)\s+)?\(([a-z0-9]+)\)\s*:\s?(.*)$/;
const RE_MENU_ITEM = /^\s*(-?\d+):\s?(.*)$/;
const RE_CLASS = /^([A-Z][A-Za-z0-9 /-]*Controls)$/;

function parseNumber(s: string): number | null {
  if (/^-?0x[0-9a-fA-F]+$/.test(s)) return Number.parseInt(s, 16);
  if (/^-?\d+(?:\.\d+)?$/.test(s)) return Number(s);
  return null;
}

type Attributes = Pick<V4l2Control, 'min' | 'max' | 'step' | 'default' | 'value' | 'valueLabel' | 'flags' | 'exact'>;

function parseAttributes(rest: string): Attributes {
  const out: Attributes = {
    min: null, max: null, step: null, default: null, value: null, valueLabel: null, flags: [],
  };
  let text = rest;
  const flagsAt = text.search(/(?:^|\s)flags=/);
  if (flagsAt >= 0) {
    const flagsText = text.slice(text.indexOf('flags=', flagsAt) + 'flags='.length);
    out.flags = flagsText.split(',').map((f) => f.trim()).filter((f) => f !== '');
    text = text.slice(0, flagsAt);
  }
  const re = /(\w+)=('(?:[^'\\]|\\.)*'|\S+)(?:\s+\(([^()]*)\))?/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const key = m[1]!;
    const raw = m[2]!;
    const num = parseNumber(raw);
    if (num !== null && !Number.isSafeInteger(num) && /^-?\d+$/.test(raw) && (key === 'min' || key === 'max' || key === 'default' || key === 'value')) {
      (out.exact ??= {})[key] = raw;
    }
    switch (key) {
      case 'min': out.min = num; break;
      case 'max': out.max = num; break;
      case 'step': out.step = num; break;
      case 'default': out.default = num; break;
      case 'value':
        out.value = raw.startsWith("'") ? raw.slice(1, -1) : (num ?? raw);
        out.valueLabel = m[3] ?? null;
        break;
      default: break; // elems=, dims=, …: not needed
    }
  }
  if (out.exact === undefined) delete out.exact;
  return out;
}

/** Parses control listings; other lines (driver info, formats, warnings) are ignored. */
export function parseListCtrls(text: string): V4l2Control[] {
  const controls: V4l2Control[] = [];
  let controlClass: string | null = null;
  let last: V4l2Control | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s+$/, '');
    if (line.trim() === '') continue;
    const cls = RE_CLASS.exec(line);
    if (cls) { controlClass = cls[1]!; last = null; continue; }
    const m = RE_CONTROL.exec(line);
    if (m) {
      last = {
        name: m[1]!,
        id: m[2] !== undefined ? Number.parseInt(m[2], 16) : null,
        type: m[3]!,
        ...parseAttributes(m[4]!),
        menu: [],
        controlClass,
      };
      controls.push(last);
      continue;
    }
    const item = RE_MENU_ITEM.exec(line);
    if (item && last && (last.type === 'menu' || last.type === 'intmenu') && /^\s/.test(line)) {
      last.menu.push({ index: Number(item[1]), label: item[2]!.trim() });
      continue;
    }
    if (/^\S/.test(line)) last = null; // an unindented line ends a menu listing
  }
  return controls;
}
