/**
 * The bounded queue of events kept while the broker is unreachable: oldest dropped first,
 * drops counted. Pure. (State and availability are not queued: they are republished from
 * the live registry on every connect.)
 */
export class DropOldestQueue<T> {
  readonly #items: T[] = [];
  #dropped = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError('capacity must be a whole number >= 0');
  }

  /** Adds an item; returns how many items were dropped to make room (0 or 1; 1 when capacity is 0). */
  push(item: T): number {
    if (this.capacity === 0) {
      this.#dropped++;
      return 1;
    }
    let dropped = 0;
    if (this.#items.length >= this.capacity) {
      this.#items.shift();
      dropped = 1;
      this.#dropped++;
    }
    this.#items.push(item);
    return dropped;
  }

  /** Removes and returns every item, oldest first. */
  drain(): T[] {
    return this.#items.splice(0, this.#items.length);
  }

  get size(): number {
    return this.#items.length;
  }

  /** Items dropped since construction. */
  get dropped(): number {
    return this.#dropped;
  }
}
