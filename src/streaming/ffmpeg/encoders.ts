/**
 * Which encoders the installed FFmpeg has (`ffmpeg -encoders`), so that a configured
 * pipeline whose encoder is missing from the build is reported at startup rather than as a
 * restart loop. Parsing is pure; listEncoders() runs FFmpeg once.
 */
import { runFfmpegOnce } from './one-shot.js';
import type { FfmpegTemplate } from '../templates/template.js';

/** Encoder names from `ffmpeg -encoders` output (lines like ` V....D libx264   libx264 H.264 ...`). */
export function parseEncoderList(text: string): Set<string> {
  const names = new Set<string>();
  let inList = false;
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*-{3,}\s*$/.test(line)) {
      inList = true;
      continue;
    }
    if (!inList) continue;
    const m = /^\s*[VAS][A-Z.]{5}\s+(\S+)/.exec(line);
    if (m) names.add(m[1]!);
  }
  return names;
}

export async function listEncoders(binary = 'ffmpeg'): Promise<Set<string>> {
  const result = await runFfmpegOnce([binary, '-hide_banner', '-encoders'], { timeoutMs: 10_000, keepLines: 2000 });
  if (!result.ok) throw new Error(`${binary} -encoders failed: ${result.summary}`);
  return parseEncoderList(result.stdout.join('\n'));
}

/** Templates whose encoder this FFmpeg lacks (stream copy needs none). */
export function templatesMissingEncoder(templates: readonly FfmpegTemplate[], encoders: ReadonlySet<string>): FfmpegTemplate[] {
  return templates.filter((t) => t.encoder !== 'copy' && !encoders.has(t.encoder));
}
