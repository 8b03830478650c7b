/** Reading and verifying systemd unit files in tests. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

export const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version'], { stdio: 'ignore' }).status === 0;

/** Parses a unit file into section → key → values (repeated keys accumulate; an empty assignment resets). */
export function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = sections.get(section[1]!) ?? new Map();
      sections.set(section[1]!, current);
      continue;
    }
    const eq = line.indexOf('=');
    assert.ok(current && eq > 0, `not a unit-file line: ${line}`);
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (value === '') current.set(key, ['']);
    else current.set(key, [...(current.get(key) ?? []).filter((v) => v !== ''), value]);
  }
  return sections;
}

/**
 * `systemd-analyze verify` on a copy of the unit file at `path` in which each [from, to] string
 * is replaced (to point the ExecStart binary at one that exists on this machine); each `from`
 * must occur.
 */
export function verifyUnit(path: string, replacements: [string, string][] = []): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'units-'));
  try {
    let text = readFileSync(path, 'utf8');
    for (const [from, to] of replacements) {
      assert.ok(text.includes(from), `${path} contains ${from}`);
      text = text.split(from).join(to);
    }
    const copy = join(dir, basename(path));
    writeFileSync(copy, text);
    const r = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
