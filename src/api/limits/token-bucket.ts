/**
 * A token bucket: `capacity` tokens, refilled continuously at `ratePerSecond`. Each request
 * takes one token; an empty bucket says how long until the next token. Pure apart from the
 * injected clock.
 */
export class TokenBucket {
  #tokens: number;
  #last: number;

  constructor(
    readonly capacity: number,
    readonly ratePerSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(capacity >= 1) || !(ratePerSecond > 0)) throw new RangeError('a token bucket needs capacity >= 1 and a positive rate');
    this.#tokens = capacity;
    this.#last = now();
  }

  /** Takes one token: 0 when granted, else the milliseconds until one is available (≥ 1). */
  take(): number {
    this.#refill();
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - this.#tokens) / this.ratePerSecond) * 1000));
  }

  /** Tokens available now (fractional). */
  get available(): number {
    this.#refill();
    return this.#tokens;
  }

  #refill(): void {
    const t = this.now();
    const elapsed = Math.max(0, t - this.#last) / 1000;
    this.#last = t;
    this.#tokens = Math.min(this.capacity, this.#tokens + elapsed * this.ratePerSecond);
  }
}
