/**
 * Keeps a MediaIndex of one directory current, with fs.promises only (nothing synchronous):
 *
 * - a full scan at start (readdir, then lstat with bounded concurrency); callers await it;
 * - the service's own changes, reported directly (a stat through the library, a delete);
 * - fs.watch of the directory for changes made outside the service (files copied in or
 *   removed by hand): the named entry is re-statted after a short debounce, or at once when
 *   a caller needs a fresh answer (`fresh()`), so a change the service has been told about
 *   is never missed by the next listing; `fresh()` also compares the directory's names with
 *   the index when the directory changed since it last looked, for events not delivered yet;
 * - a full rescan as a repair: after a watch error or an event without a name, and every
 *   `rescanIntervalMs`.
 */
import { watch, type Dirent, type FSWatcher } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { mapLimit } from '../lib/map-limit.js';
import type { Logger } from '../observability/logger.js';
import type { MediaFile, MediaKind } from './library.js';
import { MediaIndex } from './media-index.js';
import { isValidFileName } from './names.js';

export interface DirIndexOptions {
  /** Delay before watched changes are re-statted when nobody asks sooner (default 100 ms). */
  debounceMs?: number;
  /** Period of the repair rescan (default 10 min; 0: none). */
  rescanIntervalMs?: number;
  /** Concurrent lstat calls of a scan (default 32). */
  statConcurrency?: number;
  /** Delay before a failed watch is set up again (default 1 s, doubling to a minute while it fails). */
  rewatchMs?: number;
  /** Watch the directory (default true; without it, listings still see what others changed). */
  watch?: boolean;
  log?: Pick<Logger, 'debug' | 'info' | 'warn'>;
}

/** The MediaFile of a regular file, undefined when it is missing or not a regular file. */
export async function statFile(kind: MediaKind, dir: string, name: string): Promise<MediaFile | undefined> {
  try {
    const st = await lstat(join(dir, name));
    if (!st.isFile()) return undefined;
    const created = st.birthtimeMs > 0 ? st.birthtimeMs : st.mtimeMs;
    return { kind, name, size: st.size, mtimeMs: st.mtimeMs, createdMs: created };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}


export class DirIndex {
  readonly index: MediaIndex;
  readonly #pending = new Set<string>();
  #debounce: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  /** The directory's mtime and ctime when its names were last compared with the index. */
  #dirStamp: string | undefined;
  #watcher: FSWatcher | undefined;
  #rewatch: NodeJS.Timeout | undefined;
  #repairTimer: NodeJS.Timeout | undefined;
  #rescanning: Promise<void> | undefined;
  #rescanAgain = false;
  #ready: Promise<void> | undefined;
  #inFlight = 0;
  #closed = false;
  #watchWarned = false;
  #watchFailures = 0;
  readonly #o: Required<Omit<DirIndexOptions, 'log'>> & Pick<DirIndexOptions, 'log'>;

  constructor(
    readonly kind: MediaKind,
    readonly dir: string,
    opts: DirIndexOptions = {},
  ) {
    this.index = new MediaIndex(kind);
    this.#o = { debounceMs: 100, rescanIntervalMs: 600_000, statConcurrency: 32, rewatchMs: 1000, watch: true, ...opts };
  }

  /** Starts watching and the initial build (idempotent); resolves once the index is built. */
  start(): Promise<void> {
    if (this.#ready) return this.#ready;
    this.#watch();
    this.#ready = this.#track(async () => {
      const since = this.index.seq;
      const files = await this.#scan();
      this.index.load(files, since);
      this.#o.log?.debug({ kind: this.kind, files: this.index.size }, 'media index built');
    }).catch((err: Error) => {
      // The directory is unreadable: answer from what is known, repair later.
      this.#o.log?.warn({ kind: this.kind, err: err.message }, 'media index build failed; retrying with the next rescan');
    });
    if (this.#o.rescanIntervalMs > 0) {
      this.#repairTimer = setInterval(() => void this.rescan(), this.#o.rescanIntervalMs);
      this.#repairTimer.unref();
    }
    return this.#ready;
  }

  /**
   * Resolves once the index reflects every change reported so far (watched or direct), and
   * every entry created or removed by others before the call, even when the watch has not
   * delivered its event yet (a busy event loop reads inotify later): the directory's change
   * time tells whether to compare its names with the index.
   */
  async fresh(): Promise<void> {
    await this.start();
    await this.#catchUp();
    if (this.#pending.size > 0) await this.flush();
    else await this.#flushing;
  }

  /** Names created or removed since the directory was last compared are queued for a re-stat. */
  async #catchUp(): Promise<void> {
    let stamp: string;
    let names: string[];
    try {
      const st = await lstat(this.dir, { bigint: true });
      stamp = `${st.mtimeNs}:${st.ctimeNs}`;
      if (stamp === this.#dirStamp) return;
      names = (await readdir(this.dir, { withFileTypes: true })).filter((e) => e.isFile() && isValidFileName(e.name)).map((e) => e.name);
    } catch {
      return; // missing or unreadable: the watch and the repair rescans deal with it
    }
    this.#dirStamp = stamp;
    const present = new Set(names);
    for (const name of names) if (!this.index.has(name)) this.changed(name);
    for (const file of this.index.all()) if (!present.has(file.name)) this.changed(file.name);
  }

  /** Something happened to `name` (a watch event, a file the service wrote): re-stat it soon. */
  changed(name: string): void {
    if (this.#closed || !isValidFileName(name)) return;
    this.#pending.add(name);
    if (!this.#debounce) {
      this.#debounce = setTimeout(() => void this.flush(), this.#o.debounceMs);
      this.#debounce.unref();
    }
  }

  /** Re-stats every pending name now. */
  flush(): Promise<void> {
    clearTimeout(this.#debounce);
    this.#debounce = undefined;
    if (this.#pending.size === 0) return this.#flushing;
    const names = [...this.#pending];
    this.#pending.clear();
    const run = this.#track(() => mapLimit(names, this.#o.statConcurrency, (name) => this.stat(name)));
    const all = Promise.all([this.#flushing, run]).then(
      () => undefined,
      (err: Error) => {
        this.#o.log?.warn({ kind: this.kind, err: err.message }, 'media index update failed; rescanning');
        void this.rescan();
      },
    );
    this.#flushing = all;
    return all;
  }

  /** lstat of one name, recorded in the index; undefined when it is not a regular file. */
  stat(name: string): Promise<MediaFile | undefined> {
    return this.#track(async () => {
      const since = this.index.seq;
      const file = await statFile(this.kind, this.dir, name);
      this.index.applyStat(name, file, since);
      return file;
    });
  }

  /** The service deleted `name`. */
  removed(name: string): void {
    this.#pending.delete(name);
    this.index.delete(name);
  }

  /** A full rescan (coalesced: one runs at a time, and one more if asked meanwhile). */
  rescan(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#rescanning) {
      this.#rescanAgain = true;
      return this.#rescanning;
    }
    const run = async () => {
      do {
        this.#rescanAgain = false;
        const since = this.index.seq;
        const files = await this.#scan();
        const r = this.index.applyScan(files, since);
        if (r.added + r.removed + r.updated > 0) this.#o.log?.info({ kind: this.kind, ...r }, 'media index repaired by a rescan');
      } while (this.#rescanAgain && !this.#closed);
    };
    this.#rescanning = this.#track(run)
      .catch((err: Error) => this.#o.log?.warn({ kind: this.kind, err: err.message }, 'media rescan failed'))
      .finally(() => (this.#rescanning = undefined));
    return this.#rescanning;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#debounce);
    clearTimeout(this.#rewatch);
    clearInterval(this.#repairTimer);
    this.#watcher?.close();
    this.#watcher = undefined;
    this.#pending.clear();
  }

  async #scan(): Promise<MediaFile[]> {
    let entries: Dirent[];
    try {
      entries = await readdir(this.dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const names = entries.filter((e) => e.isFile() && isValidFileName(e.name)).map((e) => e.name);
    const files = await mapLimit(names, this.#o.statConcurrency, (name) => statFile(this.kind, this.dir, name));
    return files.filter((f): f is MediaFile => f !== undefined);
  }

  #watch(): void {
    if (this.#closed || !this.#o.watch) return;
    let w: FSWatcher;
    try {
      w = watch(this.dir, { persistent: false });
    } catch (err) {
      // Logged once: the directory may be missing for a while (it is retried every rewatchMs).
      if (!this.#watchWarned) this.#o.log?.warn({ kind: this.kind, dir: this.dir, err: (err as Error).message }, 'cannot watch the media directory; relying on rescans');
      this.#watchWarned = true;
      this.#scheduleRewatch();
      return;
    }
    this.#watcher = w;
    this.#watchWarned = false;
    this.#watchFailures = 0;
    w.on('change', (_event, filename) => {
      const name = typeof filename === 'string' ? filename : filename?.toString('utf8');
      if (!name) return void this.rescan();
      this.changed(name);
    });
    w.on('error', (err) => {
      this.#o.log?.warn({ kind: this.kind, dir: this.dir, err: err.message }, 'media directory watch failed; rescanning');
      w.close();
      if (this.#watcher === w) this.#watcher = undefined;
      this.#scheduleRewatch();
    });
  }

  /**
   * Sets the watch up again later (backing off to a minute while it keeps failing), then
   * rescans for what happened without it.
   */
  #scheduleRewatch(): void {
    if (this.#closed || this.#rewatch) return;
    const delay = Math.min(60_000, this.#o.rewatchMs * 2 ** Math.min(this.#watchFailures++, 16));
    this.#rewatch = setTimeout(() => {
      this.#rewatch = undefined;
      this.#watch();
      if (this.#watcher) void this.rescan();
    }, delay);
    this.#rewatch.unref();
  }

  /** Counts stats and scans in flight; when none is left, the index's change marks are dropped. */
  async #track<T>(fn: () => Promise<T>): Promise<T> {
    this.#inFlight++;
    try {
      return await fn();
    } finally {
      if (--this.#inFlight === 0) this.index.forgetChanges();
    }
  }
}
