/**
 * State files: JSON written atomically (temporary file in the same directory, fsync, rename,
 * fsync of the directory), so a reader or a crash never sees half a file.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Writes `value` as pretty JSON to `file` atomically; `mode` applies to a new file. */
export function writeJsonAtomic(file: string, value: unknown, opts: { mode?: number; dirMode?: number } = {}): void {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true, ...(opts.dirMode !== undefined ? { mode: opts.dirMode } : {}) });
  const tmp = join(dir, `.${basename(file)}.${process.pid}.${Math.random().toString(16).slice(2, 10)}.tmp`);
  const fd = openSync(tmp, 'w', opts.mode ?? 0o644);
  try {
    writeSync(fd, `${JSON.stringify(value, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // Some file systems do not allow fsync on a directory; the rename is still atomic.
  }
}

/** Parses a JSON state file; undefined when it does not exist. */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return JSON.parse(text) as unknown;
}
