/**
 * Pure parser for `udevadm info --query=all` (P:/N:/S:/E: lines) and
 * `udevadm info --query=property` / `udevadm monitor --property` (KEY=VALUE lines) output.
 */

export interface UdevRecord {
  /** Device path below /sys ("/devices/…/video4linux/video0"), from the P: line or DEVPATH. */
  devpath: string | null;
  /** Device node name below /dev ("video0"), from the N: line or DEVNAME. */
  devname: string | null;
  /** Symlinks below /dev ("v4l/by-path/…", "v4l/by-id/…"), from S: lines or DEVLINKS. */
  links: string[];
  /** Properties (E: lines, or KEY=VALUE lines). */
  properties: Record<string, string>;
}

/** Parses one device's udevadm output; lines of other kinds (L:, M:, Q:, V:, I:, headers) are ignored. */
export function parseUdevadmInfo(text: string): UdevRecord {
  const rec: UdevRecord = { devpath: null, devname: null, links: [], properties: {} };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s+$/, '');
    let m: RegExpExecArray | null;
    if ((m = /^([A-Z]): ?(.*)$/.exec(line))) {
      const [, kind, value] = m as unknown as [string, string, string];
      if (kind === 'P') rec.devpath = value;
      else if (kind === 'N') rec.devname = value;
      else if (kind === 'S') rec.links.push(value);
      else if (kind === 'E') {
        const eq = value.indexOf('=');
        if (eq > 0) rec.properties[value.slice(0, eq)] = value.slice(eq + 1);
      }
      continue;
    }
    if ((m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line))) rec.properties[m[1]!] = m[2]!;
  }
  const p = rec.properties;
  if (rec.devpath === null && p.DEVPATH !== undefined) rec.devpath = p.DEVPATH;
  if (rec.devname === null && p.DEVNAME !== undefined) rec.devname = p.DEVNAME.replace(/^\/dev\//, '');
  if (p.DEVLINKS !== undefined) {
    for (const l of p.DEVLINKS.split(/\s+/)) {
      const rel = l.replace(/^\/dev\//, '');
      if (rel !== '' && !rec.links.includes(rel)) rec.links.push(rel);
    }
  }
  return rec;
}
