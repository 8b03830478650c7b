/**
 * The in-memory index of one media directory (recordings or snapshots). Pure: no file
 * system here; `library-index.ts` feeds it from stat results, its own writes and deletes,
 * fs.watch and full rescans.
 *
 * Entries are kept sorted newest first (modification time, ties by name descending), so a
 * listing page is a slice and the total a length. Only names that pass the contract's
 * validation are ever indexed (hidden temporaries, names with separators or control
 * characters are not files of the API); whether a name is a regular file is the caller's
 * stat.
 *
 * Stat results arrive asynchronously and may be overtaken by later knowledge (a delete that
 * finished while a stat was in flight). Every change records a sequence number per name; a
 * stat or scan result carries the sequence number of when it began and is ignored for names
 * that changed since.
 */
import type { MediaFile, MediaKind } from './library.js';
import { isValidFileName } from './names.js';

/** Newest first; ties by name, descending (later parts first). */
export function newestFirst(a: MediaFile, b: MediaFile): number {
  return b.mtimeMs - a.mtimeMs || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0);
}

export interface MediaPage {
  files: MediaFile[];
  total: number;
}

export class MediaIndex {
  readonly #byName = new Map<string, MediaFile>();
  /** Sorted by newestFirst. */
  #sorted: MediaFile[] = [];
  #bytes = 0;
  #seq = 0;
  /** Sequence number of the latest change per name (forgotten when nothing is in flight). */
  readonly #changed = new Map<string, number>();

  constructor(readonly kind: MediaKind) {}

  /** Number of files. */
  get size(): number {
    return this.#sorted.length;
  }

  /** Sum of the files' sizes in bytes. */
  get totalBytes(): number {
    return this.#bytes;
  }

  /** The current sequence number: take it before a stat or scan, pass it to applyStat/applyScan. */
  get seq(): number {
    return this.#seq;
  }

  get(name: string): MediaFile | undefined {
    return this.#byName.get(name);
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  /** Adds or updates a file; a name that fails validation is never indexed (returns false). */
  set(file: MediaFile): boolean {
    if (!isValidFileName(file.name)) return false;
    this.#touch(file.name);
    const old = this.#byName.get(file.name);
    if (old) {
      if (old.size === file.size && old.mtimeMs === file.mtimeMs && old.createdMs === file.createdMs) return false;
      this.#removeSorted(old);
      this.#bytes -= old.size;
    }
    const entry: MediaFile = { kind: this.kind, name: file.name, size: file.size, mtimeMs: file.mtimeMs, createdMs: file.createdMs };
    this.#byName.set(entry.name, entry);
    this.#sorted.splice(this.#insertionPoint(entry), 0, entry);
    this.#bytes += entry.size;
    return true;
  }

  /** Removes a file; returns whether it was indexed. */
  delete(name: string): boolean {
    this.#touch(name);
    const old = this.#byName.get(name);
    if (!old) return false;
    this.#byName.delete(name);
    this.#removeSorted(old);
    this.#bytes -= old.size;
    return true;
  }

  /**
   * A stat result (the file, or undefined when it is gone or not a regular file) taken
   * when the sequence number was `since`; ignored when the name changed after that.
   * Returns whether the index changed.
   */
  applyStat(name: string, file: MediaFile | undefined, since: number): boolean {
    if ((this.#changed.get(name) ?? -1) > since) return false;
    return file ? this.set(file) : this.delete(name);
  }

  /**
   * A full scan's result (every regular file of the directory) begun at sequence number
   * `since`: files not in it are removed, the others set, except names that changed after
   * `since`, which keep what the later change said.
   */
  applyScan(files: readonly MediaFile[], since: number): { added: number; removed: number; updated: number } {
    const r = { added: 0, removed: 0, updated: 0 };
    const seen = new Set<string>();
    for (const f of files) {
      seen.add(f.name);
      const had = this.#byName.has(f.name);
      if (this.applyStat(f.name, f, since)) had ? r.updated++ : r.added++;
    }
    for (const name of [...this.#byName.keys()]) {
      if (!seen.has(name) && this.applyStat(name, undefined, since)) r.removed++;
    }
    return r;
  }

  /** Replaces everything (the initial build); names changed meanwhile are kept as they are. */
  load(files: readonly MediaFile[], since: number): void {
    if (this.#byName.size === 0 && this.#changed.size === 0) {
      const valid = files.filter((f) => isValidFileName(f.name));
      for (const f of valid) this.#byName.set(f.name, { kind: this.kind, name: f.name, size: f.size, mtimeMs: f.mtimeMs, createdMs: f.createdMs });
      this.#sorted = [...this.#byName.values()].sort(newestFirst);
      this.#bytes = this.#sorted.reduce((n, f) => n + f.size, 0);
      return;
    }
    this.applyScan(files, since);
  }

  /** A page of the listing, newest first: exactly `all().slice(offset, offset + limit)`. */
  page(offset: number, limit: number): MediaPage {
    return { files: this.#sorted.slice(offset, offset + limit), total: this.#sorted.length };
  }

  /** Every file, newest first (a copy). */
  all(): MediaFile[] {
    return [...this.#sorted];
  }

  /** Drops the per-name change marks: call when no stat or scan is in flight. */
  forgetChanges(): void {
    this.#changed.clear();
  }

  #touch(name: string): void {
    this.#changed.set(name, ++this.#seq);
  }

  /** First position whose entry sorts after `f` (binary search). */
  #insertionPoint(f: MediaFile): number {
    let lo = 0;
    let hi = this.#sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (newestFirst(this.#sorted[mid]!, f) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #removeSorted(f: MediaFile): void {
    // Entries are unique by name, so the comparator places `f` exactly.
    let lo = 0;
    let hi = this.#sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (newestFirst(this.#sorted[mid]!, f) < 0) lo = mid + 1;
      else hi = mid;
    }
    if (this.#sorted[lo] === f) this.#sorted.splice(lo, 1);
    else {
      const i = this.#sorted.indexOf(f);
      if (i >= 0) this.#sorted.splice(i, 1);
    }
  }
}
