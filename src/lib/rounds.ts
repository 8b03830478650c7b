/**
 * Spreads periodic work over a period: members are dealt into `slices` buckets as they join,
 * and each tick hands out the next bucket, so one round of `slices` ticks visits every member
 * exactly once while no single tick touches more than about 1/slices of them. Used by the
 * WebSocket heartbeat so 10,000 connections are pinged in small batches, not in one event-loop
 * turn. Pure: the caller owns the timer.
 */
export class Rounds<T> {
  readonly #buckets: Set<T>[];
  readonly #slot = new Map<T, number>();
  #next = 0;
  #deal = 0;
  /** Buckets from one member to the next: coprime with `slices` (a full cycle deals every bucket once), near slices/φ² so any run of joiners is spread over the round. */
  readonly #stride: number;

  /**
   * Rounds over a period of `periodMs` whose ticks last about `tickMs` (1 to 1000 slices), with
   * the tick interval (`everyMs`) the caller's timer should use.
   */
  static over<T>(periodMs: number, tickMs: number): Rounds<T> & { readonly everyMs: number } {
    const slices = Math.max(1, Math.min(1000, Math.round(periodMs / tickMs)));
    return Object.assign(new Rounds<T>(slices), { everyMs: Math.max(1, Math.floor(periodMs / slices)) });
  }

  constructor(readonly slices: number) {
    if (!Number.isInteger(slices) || slices < 1) throw new RangeError(`slices must be a positive integer, got ${slices}`);
    this.#buckets = Array.from({ length: slices }, () => new Set<T>());
    let stride = Math.max(1, Math.round(slices * 0.381966));
    while (gcd(stride, slices) !== 1) stride++;
    this.#stride = stride;
  }

  get size(): number {
    return this.#slot.size;
  }

  /**
   * Adds a member to the next bucket of the dealing cycle, which visits every bucket once per
   * `slices` members (buckets stay within one member of each other) in a golden-ratio stride,
   * so 100 members of a 1000-slice round are spread over the whole round, not its first tenth.
   */
  add(member: T): void {
    if (this.#slot.has(member)) return;
    const slot = this.#deal;
    this.#deal = (this.#deal + this.#stride) % this.slices;
    this.#buckets[slot]!.add(member);
    this.#slot.set(member, slot);
  }

  delete(member: T): void {
    const slot = this.#slot.get(member);
    if (slot === undefined) return;
    this.#buckets[slot]!.delete(member);
    this.#slot.delete(member);
  }

  /** The members due this tick (a copy: the caller may delete members while visiting them). */
  tick(): T[] {
    const bucket = this.#buckets[this.#next]!;
    this.#next = (this.#next + 1) % this.slices;
    return [...bucket];
  }
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
