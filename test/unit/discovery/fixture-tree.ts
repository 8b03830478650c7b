/**
 * Walks hardware/fixtures/ so every recorded or transcribed device is covered by the parser
 * tests automatically, and turns a fixture directory into the NodeFacts the identity module
 * takes (the way the discovery shell gathers them from v4l2-ctl, udev and sysfs).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NodeFacts } from '../../../src/discovery/identity.js';
import { parseUdevadmInfo } from '../../../src/discovery/udev-info.js';
import { parseV4l2Info } from '../../../src/discovery/v4l2-info.js';

/** Repository root's hardware/fixtures/ (resolved from dist/test/unit/discovery/). */
export const FIXTURES = fileURLToPath(new URL('../../../../hardware/fixtures/', import.meta.url));

const NODE_FILES = ['info.txt', 'list-formats-ext.txt', 'list-ctrls.txt', 'udev.txt', 'sysfs.txt'];

export interface FixtureDir {
  /** Absolute path. */
  path: string;
  /** Path relative to hardware/fixtures/, e.g. "uvc/logitech-c920", "vivid/vivid-000-video-capture". */
  name: string;
  has(file: string): boolean;
  read(file: string): string;
}

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir).sort()) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) {
      out.push(p);
      walk(p, out);
    }
  }
}

function fixtureDir(path: string): FixtureDir {
  return {
    path,
    name: relative(FIXTURES, path),
    has: (file) => existsSync(join(path, file)),
    read: (file) => readFileSync(join(path, file), 'utf8'),
  };
}

/** Directories holding the outputs of one device node (any of info / formats / ctrls / udev / sysfs). */
export function nodeDirs(): FixtureDir[] {
  const dirs: string[] = [];
  walk(FIXTURES, dirs);
  return dirs.filter((d) => NODE_FILES.some((f) => existsSync(join(d, f)))).map(fixtureDir);
}

/** Every `list-devices*.txt` file in the tree (relative name, text). */
export function listDevicesFiles(): { name: string; text: string }[] {
  const dirs: string[] = [FIXTURES];
  walk(FIXTURES, dirs);
  const out: { name: string; text: string }[] = [];
  for (const d of dirs) {
    for (const f of readdirSync(d).sort()) {
      if (/^list-devices.*\.txt$/.test(f)) out.push({ name: relative(FIXTURES, join(d, f)), text: readFileSync(join(d, f), 'utf8') });
    }
  }
  return out;
}

/** Fixture directory by relative name; throws when missing (so a renamed fixture fails loudly). */
export function fixture(name: string): FixtureDir {
  const path = join(FIXTURES, name);
  if (!existsSync(path)) throw new Error(`fixture ${name} not found under ${FIXTURES}`);
  return fixtureDir(path);
}

/** Parses the recorder's sysfs.txt (`key=value`, `device/uevent: K=V`, `uevent: K=V` lines). */
export function parseSysfsDump(text: string): { attrs: Record<string, string>; uevent: Record<string, string>; deviceUevent: Record<string, string> } {
  const attrs: Record<string, string> = {};
  const uevent: Record<string, string> = {};
  const deviceUevent: Record<string, string> = {};
  for (const line of text.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^device\/uevent: ([^=]+)=(.*)$/.exec(line))) deviceUevent[m[1]!] = m[2]!;
    else if ((m = /^uevent: ([^=]+)=(.*)$/.exec(line))) uevent[m[1]!] = m[2]!;
    else if ((m = /^([a-z]+)=(.*)$/.exec(line))) attrs[m[1]!] = m[2]!;
  }
  return { attrs, uevent, deviceUevent };
}

/** NodeFacts of a recorded node, from whatever of info.txt / udev.txt / sysfs.txt it has. */
export function nodeFacts(dir: FixtureDir, devnode?: string): NodeFacts {
  const facts: NodeFacts = { devnode: devnode ?? '/dev/video?' };
  if (dir.has('info.txt')) {
    const info = parseV4l2Info(dir.read('info.txt'));
    facts.driver = info.driver;
    facts.card = info.card;
    facts.busInfo = info.busInfo;
    if (info.media) facts.mediaSerial = info.media.serial;
  }
  if (dir.has('udev.txt')) {
    const rec = parseUdevadmInfo(dir.read('udev.txt'));
    facts.udev = rec.properties;
    facts.links = rec.links;
    if (devnode === undefined && rec.devname !== null) facts.devnode = `/dev/${rec.devname}`;
  }
  if (dir.has('sysfs.txt')) {
    const { attrs } = parseSysfsDump(dir.read('sysfs.txt'));
    if (attrs.index !== undefined && /^\d+$/.test(attrs.index)) facts.indexInDevice = Number(attrs.index);
    if (attrs.device !== undefined && attrs.device !== '(missing)') facts.sysfsPath = attrs.device;
    else if (attrs.class !== undefined) facts.sysfsPath = attrs.class;
  }
  return facts;
}
