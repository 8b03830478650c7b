/**
 * The one way the service keeps JSON state on disk (camera ids, external streams, the
 * retention policy, API keys, the recording journal).
 *
 * - writeStateFile: atomic and durable: a temporary file in the same directory, written and
 *   fsynced, renamed over the target, then the directory fsynced, so a crash or power cut
 *   leaves the old or the new file, never half of one.
 * - loadStateFile: parses and validates against a schema (src/lib/schema.ts). A file that is
 *   empty, truncated, not JSON or of the wrong shape is renamed aside to
 *   `<file>.corrupt-<UTC timestamp>` and named in one log line with the problem and what was
 *   lost; the caller gets its safe default and the service starts. A missing file is the
 *   default without a word.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { validate, type Schema } from './schema.js';

export interface StateFileLog {
  error(obj: object, msg: string): void;
}

/** For callers without the service logger (CLI, tests): one line on stderr. */
export const stderrLog: StateFileLog = { error: (_obj, msg) => process.stderr.write(`${msg}\n`) };

export type ParsedState<T> = { ok: true; value: T } | { ok: false; problem: string };

/** Parses and validates the text of a state file; `problem` says what is wrong in one phrase. */
export function parseState<T>(text: string, schema: Schema<T>): ParsedState<T> {
  if (text.trim() === '') return { ok: false, problem: 'the file is empty' };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { ok: false, problem: `not valid JSON (${(err as Error).message})` };
  }
  const r = validate(schema, doc);
  if (!r.ok) {
    const first = r.issues[0]!;
    const more = r.issues.length > 1 ? ` (and ${r.issues.length - 1} more)` : '';
    return { ok: false, problem: `wrong shape: ${first.path === '' ? 'the document' : first.path} ${first.message}${more}` };
  }
  return { ok: true, value: r.value };
}

export interface LoadStateOptions<T> {
  schema: Schema<T>;
  /** The value the service runs with when the file is missing or unusable. */
  fallback: () => T;
  /** What the file holds, for the log line: "persisted camera ids (cameras get new ids)". */
  holds: string;
  log: StateFileLog;
  now?: () => Date;
}

export interface LoadedState<T> {
  value: T;
  status: 'loaded' | 'missing' | 'quarantined';
  /** Where an unusable file was moved. */
  movedTo?: string;
  problem?: string;
}

/** Reads a state file; an unusable one is moved aside and reported, and the fallback is used. */
export function loadStateFile<T>(file: string, o: LoadStateOptions<T>): LoadedState<T> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { value: o.fallback(), status: 'missing' };
    return quarantine(file, `cannot be read (${code ?? (err as Error).message})`, o);
  }
  const parsed = parseState(text, o.schema);
  if (parsed.ok) return { value: parsed.value, status: 'loaded' };
  return quarantine(file, parsed.problem, o);
}

/** `<file>.corrupt-2026-01-15T14-30-00-123Z` */
export function quarantineName(file: string, at: Date): string {
  return `${file}.corrupt-${at.toISOString().replace(/:/g, '-').replace('.', '-')}`;
}

function quarantine<T>(file: string, problem: string, o: LoadStateOptions<T>): LoadedState<T> {
  const movedTo = setAside(file, problem, o);
  return { value: o.fallback(), status: 'quarantined', movedTo, problem };
}

/**
 * Moves an unusable state file aside and logs it in one line (the problem, where it went, what
 * was lost); for a file that parses but that its owner refuses (an unsafe journal entry).
 */
export function setAside(file: string, problem: string, o: { holds: string; log: StateFileLog; now?: () => Date }): string {
  const movedTo = quarantineName(file, (o.now ?? (() => new Date()))());
  try {
    renameSync(file, movedTo);
  } catch (err) {
    // Cannot even move it: refuse to start rather than overwrite it later with the default.
    throw new Error(`state file ${file} is unusable (${problem}) and cannot be moved aside (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); fix or remove it`);
  }
  o.log.error(
    { file, moved_to: movedTo, problem, lost: o.holds },
    `state file ${file} is unusable (${problem}); moved aside to ${basename(movedTo)}; starting without its ${o.holds}`,
  );
  return movedTo;
}

/** Writes `value` as JSON (2-space indented), atomically and durably. */
export function writeStateFile(file: string, value: unknown, opts: { mode?: number; dirMode?: number } = {}): void {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true, ...(opts.dirMode !== undefined ? { mode: opts.dirMode } : {}) });
  const tmp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const text = `${JSON.stringify(value, null, 2)}\n`;
  try {
    const fd = openSync(tmp, 'w', opts.mode ?? 0o644);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  syncDir(dir);
}

/** Makes a rename in `dir` durable; file systems that cannot fsync a directory are skipped. */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // EINVAL/EISDIR on some file systems: the rename is as durable as they make it.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * The names `main` gained meanwhile (camera settings store, issue 16), kept so both branches
 * share this one module: `writeJsonAtomic` is writeStateFile; `readJsonFile` parses without
 * validation (undefined when the file does not exist; prefer loadStateFile).
 */
export const writeJsonAtomic = writeStateFile;

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
