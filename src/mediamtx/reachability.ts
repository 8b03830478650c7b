/**
 * Watches the MediaMTX API: up or down, and restarts (its `started` time changes). Polls
 * `/v3/info` at a fixed interval (every 100 ms while down); a managed child's exit marks it down at once.
 * With `identify` (managed mode), an API that answers counts as up only when it is the
 * service's own MediaMTX: checked whenever it comes up or its start time changes.
 */
import { EventEmitter } from 'node:events';
import type { MediaMtxApi } from './api-client.js';

export interface ReachabilityEvents {
  up: [started: string];
  down: [reason: string];
  /** MediaMTX came back (or was found) with a different start time: its in-memory config is gone. */
  restarted: [started: string];
}

export class MediaMtxReachability extends EventEmitter<ReachabilityEvents> {
  up = false;
  started: string | undefined;
  lastError: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #inFlight: Promise<void> | undefined;

  constructor(
    private readonly api: MediaMtxApi,
    private readonly intervalMs: number,
    /** Resolves with a reason when the MediaMTX that answers is not the expected one. */
    private readonly identify?: () => Promise<string | undefined>,
  ) {
    super();
  }

  start(): void {
    this.#closed = false;
    void this.check();
  }

  /** Checks now (coalescing with a check already under way) and re-arms the timer. */
  check(): Promise<void> {
    this.#inFlight ??= this.#check().finally(() => {
      this.#inFlight = undefined;
      if (!this.#closed) {
        clearTimeout(this.#timer);
        // While down, look again soon so a (re)started MediaMTX is noticed within ~100 ms.
        this.#timer = setTimeout(() => void this.check(), this.up ? this.intervalMs : Math.min(this.intervalMs, 100));
      }
    });
    return this.#inFlight;
  }

  markDown(reason: string): void {
    if (this.up) {
      this.up = false;
      this.lastError = reason;
      this.emit('down', reason);
    }
  }

  /** Resolves when the API answers; rejects after `timeoutMs`. */
  waitUntilUp(timeoutMs: number): Promise<void> {
    if (this.up) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('up', onUp);
        reject(new Error(`MediaMTX API did not answer within ${timeoutMs} ms${this.lastError ? `: ${this.lastError}` : ''}`));
      }, timeoutMs);
      const onUp = () => {
        clearTimeout(timer);
        resolve();
      };
      this.once('up', onUp);
    });
  }

  stop(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  async #check(): Promise<void> {
    try {
      const info = await this.api.info();
      if (this.identify && (!this.up || info.started !== this.started)) {
        const wrong = await this.identify();
        if (wrong !== undefined) {
          this.markDown(wrong);
          this.lastError = wrong;
          return;
        }
      }
      const previous = this.started;
      this.started = info.started;
      this.lastError = undefined;
      if (!this.up) {
        this.up = true;
        this.emit('up', info.started);
      }
      if (previous !== undefined && previous !== info.started) this.emit('restarted', info.started);
    } catch (err) {
      this.markDown((err as Error).message);
      this.lastError = (err as Error).message;
    }
  }
}
