/**
 * Why writing a recording or a snapshot failed, from an error (its errno code and message) and
 * FFmpeg's last stderr lines. Pure. The API turns each kind into its -32050 `data.reason`.
 */

export type MediaFailure = 'storage_not_writable' | 'disk_full' | 'ffmpeg_missing' | 'failed';

const NOT_WRITABLE_CODES = new Set(['EROFS', 'EACCES', 'EPERM']);
const FULL_CODES = new Set(['ENOSPC', 'EDQUOT']);

export function classifyMediaFailure(err: unknown, stderr: readonly string[] = []): MediaFailure {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code && FULL_CODES.has(code)) return 'disk_full';
  if (code && NOT_WRITABLE_CODES.has(code)) return 'storage_not_writable';
  const text = [err instanceof Error ? err.message : String(err ?? ''), ...stderr].join('\n');
  if (/No space left on device|Disk quota exceeded|\bENOSPC\b/i.test(text)) return 'disk_full';
  if (/Read-only file system|Permission denied|\bEROFS\b|\bEACCES\b/i.test(text)) return 'storage_not_writable';
  if (/spawn\b.*\bENOENT\b|spawn failed:.*ENOENT/.test(text)) return 'ffmpeg_missing';
  return 'failed';
}
