/** ffprobe of media files: duration, and the first video stream's codec and size. */
import { basename, dirname, join } from 'node:path';
import { runFfmpegOnce } from '../streaming/ffmpeg/one-shot.js';

/** `ffprobe` beside the configured FFmpeg: `ffmpeg` → `ffprobe`, `/opt/x/ffmpeg` → `/opt/x/ffprobe`. */
export function ffprobeFor(ffmpegBinary: string): string {
  const name = basename(ffmpegBinary);
  const probe = name.replace(/ffmpeg/, 'ffprobe');
  if (probe === name) return 'ffprobe';
  return ffmpegBinary.includes('/') ? join(dirname(ffmpegBinary), probe) : probe;
}

/** Parses ffprobe's `-of csv=p=0` duration output: seconds, or null for N/A. */
export function parseDuration(lines: readonly string[]): number | null {
  for (const line of lines) {
    const v = Number(line.trim());
    if (line.trim() !== '' && Number.isFinite(v) && v >= 0) return v;
  }
  return null;
}

export async function probeDuration(ffprobe: string, path: string, timeoutMs = 10_000): Promise<number | null> {
  const r = await runFfmpegOnce([ffprobe, '-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path], { timeoutMs });
  if (!r.ok) return null;
  return parseDuration(r.stdout);
}

/** Whether ffprobe can read any video packet of the file (a playable file). */
export async function probeReadable(ffprobe: string, path: string, timeoutMs = 20_000): Promise<boolean> {
  const r = await runFfmpegOnce(
    [ffprobe, '-v', 'error', '-select_streams', 'v:0', '-read_intervals', '%+#1', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', path],
    { timeoutMs },
  );
  return r.ok && r.stdout.some((l) => l.trim() !== '');
}
