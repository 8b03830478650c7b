/** Paths of repository files for the streaming unit tests (resolved from this module, not cwd). */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'ffmpeg-templates'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('repository root not found');
    dir = parent;
  }
  return dir;
}

export const ROOT = repoRoot();
export const FFMPEG_FIXTURES = join(ROOT, 'test', 'fixtures', 'ffmpeg');
export const TEMPLATES_DIR = join(ROOT, 'ffmpeg-templates');

export function readFixture(...parts: string[]): string {
  return readFileSync(join(FFMPEG_FIXTURES, ...parts), 'utf8');
}

export function fixtureNames(sub: string, pattern: RegExp): string[] {
  return readdirSync(join(FFMPEG_FIXTURES, sub)).filter((n) => pattern.test(n)).sort();
}
