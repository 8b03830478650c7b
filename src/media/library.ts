/**
 * The recordings and snapshots directories as the API sees them: listing, stat, delete,
 * which files are being written, and recording durations read from the files (cached).
 *
 * Only regular files whose names pass the contract's validation exist here: hidden files
 * (temporaries, `.name.tmp`), symlinks and subdirectories are never listed, served or
 * deleted. Every name from a client is validated before it meets the file system, and the
 * file is opened relative to its directory only.
 */
import { constants, type Dirent } from 'node:fs';
import { lstat, mkdir, open, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isValidFileName } from './names.js';

export type MediaKind = 'recordings' | 'snapshots';

export interface MediaFile {
  kind: MediaKind;
  name: string;
  size: number;
  mtimeMs: number;
  /** Creation time where the file system records it, else the modification time. */
  createdMs: number;
}

export class MediaError extends Error {
  constructor(
    readonly code: 'not_found' | 'busy' | 'invalid_name',
    message: string,
  ) {
    super(message);
    this.name = 'MediaError';
  }
}

/** Newest first; ties by name, descending (later parts first). */
export function newestFirst(a: MediaFile, b: MediaFile): number {
  return b.mtimeMs - a.mtimeMs || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0);
}

export type BusyCheck = (kind: MediaKind, name: string) => boolean;

export interface DurationProbe {
  (path: string): Promise<number | null>;
}

export class MediaLibrary {
  readonly dirs: Record<MediaKind, string>;
  readonly #busy: BusyCheck[] = [];
  readonly #durations = new Map<string, { size: number; mtimeMs: number; duration: number | null }>();

  constructor(
    dirs: Record<MediaKind, string>,
    private readonly probeDuration: DurationProbe,
  ) {
    this.dirs = dirs;
  }

  async ensureDirs(): Promise<void> {
    await Promise.all(Object.values(this.dirs).map((d) => mkdir(d, { recursive: true })));
  }

  /** The absolute path of a validated name. */
  path(kind: MediaKind, name: string): string {
    if (!isValidFileName(name)) throw new MediaError('invalid_name', `invalid file name`);
    return join(this.dirs[kind], name);
  }

  /** Registers a predicate telling which files are being written (never deleted). */
  addBusyCheck(check: BusyCheck): void {
    this.#busy.push(check);
  }

  isBusy(kind: MediaKind, name: string): boolean {
    return this.#busy.some((check) => check(kind, name));
  }

  /** Every file of a kind, newest first. */
  async list(kind: MediaKind): Promise<MediaFile[]> {
    let entries: Dirent[];
    try {
      entries = await readdir(this.dirs[kind], { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const files = await Promise.all(entries.filter((e) => e.isFile() && isValidFileName(e.name)).map((e) => this.stat(kind, e.name)));
    return files.filter((f): f is MediaFile => f !== undefined).sort(newestFirst);
  }

  /** A regular file of this kind by validated name, or undefined. */
  async stat(kind: MediaKind, name: string): Promise<MediaFile | undefined> {
    try {
      const st = await lstat(this.path(kind, name));
      if (!st.isFile()) return undefined;
      const created = st.birthtimeMs > 0 ? st.birthtimeMs : st.mtimeMs;
      return { kind, name, size: st.size, mtimeMs: st.mtimeMs, createdMs: created };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      throw err;
    }
  }

  /** Opens a regular file for reading without following a symlink. */
  async openForRead(kind: MediaKind, name: string) {
    const handle = await open(this.path(kind, name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const st = await handle.stat();
    if (!st.isFile()) {
      await handle.close();
      throw new MediaError('not_found', `${name} is not a regular file`);
    }
    return { handle, size: st.size, mtimeMs: st.mtimeMs };
  }

  /** Deletes a file that is not being written; returns its size. */
  async delete(kind: MediaKind, name: string): Promise<number> {
    const file = await this.stat(kind, name);
    if (!file) throw new MediaError('not_found', `${kind === 'recordings' ? 'recording' : 'snapshot'} '${name}' does not exist`);
    if (this.isBusy(kind, name)) throw new MediaError('busy', `${name} is being written`);
    await unlink(this.path(kind, name));
    this.#durations.delete(name);
    return file.size;
  }

  /** Duration in seconds read from the file (ffprobe), cached per size and modification time. */
  async duration(file: MediaFile): Promise<number | null> {
    const cached = this.#durations.get(file.name);
    if (cached && cached.size === file.size && cached.mtimeMs === file.mtimeMs) return cached.duration;
    const duration = await this.probeDuration(this.path(file.kind, file.name));
    // A file being written changes with every fragment: cache only settled files.
    if (!this.isBusy(file.kind, file.name)) this.#durations.set(file.name, { size: file.size, mtimeMs: file.mtimeMs, duration });
    return duration;
  }

  /** Sum of the sizes of a kind's files. */
  async totalSize(kind: MediaKind): Promise<number> {
    return (await this.list(kind)).reduce((n, f) => n + f.size, 0);
  }
}

/** Removes a file if it exists. */
export async function unlinkQuiet(path: string): Promise<void> {
  await unlink(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}
