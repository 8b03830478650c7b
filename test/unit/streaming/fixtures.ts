/** Paths of repository files for the streaming unit tests (resolved from this module, not cwd). */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../helpers/ffmpeg.js';

export const ROOT = repoRoot();
export const FFMPEG_FIXTURES = join(ROOT, 'test', 'fixtures', 'ffmpeg');
export const TEMPLATES_DIR = join(ROOT, 'ffmpeg-templates');

export function readFixture(...parts: string[]): string {
  return readFileSync(join(FFMPEG_FIXTURES, ...parts), 'utf8');
}

export function fixtureNames(sub: string, pattern: RegExp): string[] {
  return readdirSync(join(FFMPEG_FIXTURES, sub)).filter((n) => pattern.test(n)).sort();
}
