/**
 * The recordings and snapshots directories as the API sees them: listing, stat, delete,
 * which files are being written, and recording durations read from the files (cached).
 *
 * Only regular files whose names pass the contract's validation exist here: hidden files
 * (temporaries, `.name.tmp`), symlinks and subdirectories are never listed, served or
 * deleted. Every name from a client is validated before it meets the file system, and the
 * file is opened relative to its directory only.
 *
 * Listings and file info answer from an in-memory index per directory (`media-index.ts`,
 * kept current by `library-index.ts`): built once, then updated by every stat and delete
 * made through the library, by fs.watch for changes made by hand, and by repair rescans.
 * Files being written are re-statted for each listing, so their size and time are current.
 */
import { constants } from 'node:fs';
import { mkdir, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../observability/logger.js';
import { DirIndex, type DirIndexOptions } from './library-index.js';
import { newestFirst, type MediaPage } from './media-index.js';
import { isValidFileName, partName } from './names.js';

export { newestFirst, type MediaPage };

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

export type BusyCheck = (kind: MediaKind, name: string) => boolean;

/** A recording being written: its parts are `partName(base, ext, n)`, n = 1, 2, ... */
export interface Writing {
  kind: MediaKind;
  base: string;
  ext: string;
}

export interface DurationProbe {
  (path: string): Promise<number | null>;
}

export class MediaLibrary {
  readonly dirs: Record<MediaKind, string>;
  readonly #busy: BusyCheck[] = [];
  readonly #writing: (() => Iterable<Writing>)[] = [];
  readonly #durations = new Map<string, { size: number; mtimeMs: number; duration: number | null }>();
  readonly #indexes: Record<MediaKind, DirIndex>;

  constructor(
    dirs: Record<MediaKind, string>,
    private readonly probeDuration: DurationProbe,
    indexOptions: DirIndexOptions & { log?: Logger } = {},
  ) {
    this.dirs = dirs;
    this.#indexes = {
      recordings: new DirIndex('recordings', dirs.recordings, indexOptions),
      snapshots: new DirIndex('snapshots', dirs.snapshots, indexOptions),
    };
  }

  async ensureDirs(): Promise<void> {
    await Promise.all(Object.values(this.dirs).map((d) => mkdir(d, { recursive: true })));
  }

  /**
   * Starts the indexes (watch and initial scan, in the background); the returned promise
   * resolves once both are built. Listings before then wait for the build; a library that
   * is never started builds its index on the first listing.
   */
  startIndex(): Promise<void> {
    return Promise.all([this.#indexes.recordings.start(), this.#indexes.snapshots.start()]).then(() => undefined);
  }

  /** Stops watching (the index is no longer kept current). */
  close(): void {
    for (const d of Object.values(this.#indexes)) d.close();
  }

  /** Rescans both directories (e.g. after crash recovery rewrote files). */
  rescan(): Promise<void> {
    return Promise.all([this.#indexes.recordings.rescan(), this.#indexes.snapshots.rescan()]).then(() => undefined);
  }

  /** The absolute path of a validated name. */
  path(kind: MediaKind, name: string): string {
    if (!isValidFileName(name)) throw new MediaError('invalid_name', `invalid file name`);
    return join(this.dirs[kind], name);
  }

  /**
   * Registers a predicate telling which files are being written (never deleted) and,
   * optionally, which recordings are being written, whose parts every listing re-stats.
   */
  addBusyCheck(check: BusyCheck, writing?: () => Iterable<Writing>): void {
    this.#busy.push(check);
    if (writing) this.#writing.push(writing);
  }

  isBusy(kind: MediaKind, name: string): boolean {
    return this.#busy.some((check) => check(kind, name));
  }

  /** Every file of a kind, newest first. */
  async list(kind: MediaKind): Promise<MediaFile[]> {
    await this.#fresh(kind);
    return this.#indexes[kind].index.all();
  }

  /** One page of a kind's files, newest first, and how many there are: list(kind).slice(offset, offset + limit). */
  async page(kind: MediaKind, offset: number, limit: number): Promise<MediaPage> {
    await this.#fresh(kind);
    return this.#indexes[kind].index.page(offset, limit);
  }

  /**
   * A file as the index knows it (read fresh from the file system when it is being written
   * or the index does not know it), or undefined.
   */
  async info(kind: MediaKind, name: string): Promise<MediaFile | undefined> {
    this.path(kind, name);
    const d = this.#indexes[kind];
    await d.fresh();
    const known = d.index.get(name);
    if (known && !this.isBusy(kind, name)) return known;
    return d.stat(name);
  }

  /** The service changed `name` without going through the library: the index re-stats it. */
  changed(kind: MediaKind, name: string): void {
    this.#indexes[kind].changed(name);
  }

  /** A regular file of this kind by validated name, or undefined (read now; the index learns the result). */
  async stat(kind: MediaKind, name: string): Promise<MediaFile | undefined> {
    this.path(kind, name);
    return this.#indexes[kind].stat(name);
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
    this.#indexes[kind].removed(name);
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
    await this.#fresh(kind);
    return this.#indexes[kind].index.totalBytes;
  }

  /** Waits for the index of `kind` to be built and current, and re-stats the parts being written. */
  async #fresh(kind: MediaKind): Promise<void> {
    const d = this.#indexes[kind];
    await d.fresh();
    const live = this.#liveNames(kind, d);
    if (live.length > 0) await Promise.all(live.map((name) => d.stat(name)));
  }

  /** The parts of the recordings being written that the index knows, plus the next one (it may have just begun). */
  #liveNames(kind: MediaKind, d: DirIndex): string[] {
    const names: string[] = [];
    for (const source of this.#writing) {
      for (const w of source()) {
        if (w.kind !== kind || w.base === '') continue;
        for (let n = 1; n < 1_000_000; n++) {
          const name = partName(w.base, w.ext, n);
          names.push(name);
          if (!d.index.has(name)) break;
        }
      }
    }
    return names;
  }
}

/** Removes a file if it exists. */
export async function unlinkQuiet(path: string): Promise<void> {
  await unlink(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}
