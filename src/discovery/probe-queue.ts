/**
 * The probe queue of the node table: nodes waiting for a probe run in arrival order, at most
 * `parallel` at once. A node asked for again while its probe runs is probed once more after
 * it. When nothing is queued or running the queue is quiet: `onQuiet` runs (the reconcile,
 * which judges a device's nodes together) and `whenQuiet` promises resolve.
 */
import type { NodeRecord } from './node-record.js';

export interface ProbeQueueDeps {
  parallel: number;
  stopped(): boolean;
  /** Whether the record is still the table's record for its node (not replaced or removed). */
  current(rec: NodeRecord): boolean;
  /** Runs one probe of the node: the I/O part, then (synchronously, after the queue counted it done) its result applied. */
  probe(rec: NodeRecord): Promise<() => void>;
  onQuiet(): void;
}

export class ProbeQueue {
  readonly #d: ProbeQueueDeps;
  readonly #queue: NodeRecord[] = [];
  #running = 0;
  #quiet: (() => void)[] = [];

  constructor(deps: ProbeQueueDeps) {
    this.#d = deps;
  }

  /** Queues a probe of the node (or marks a running one to go again). */
  enqueue(rec: NodeRecord): void {
    if (rec.state === 'probing') {
      rec.again = true;
      return;
    }
    if (rec.state === 'queued') return;
    clearTimeout(rec.retryTimer);
    rec.retryTimer = undefined;
    rec.state = 'queued';
    this.#queue.push(rec);
    this.#pump();
  }

  /** Drops the node's queued probe (it was removed); quiet if that was the last. */
  remove(rec: NodeRecord): void {
    const i = this.#queue.indexOf(rec);
    if (i >= 0) this.#queue.splice(i, 1);
    this.maybeQuiet();
  }

  clear(): void {
    this.#queue.length = 0;
  }

  get pending(): boolean {
    return this.#running > 0 || this.#queue.length > 0;
  }

  /** Resolves once no probe is queued or running and the quiet work has run (at once, running it, when already quiet). */
  whenQuiet(): Promise<void> {
    if (!this.pending) {
      this.#d.onQuiet();
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#quiet.push(resolve));
  }

  maybeQuiet(): void {
    if (this.pending || this.#d.stopped()) return;
    this.#d.onQuiet();
    const waiting = this.#quiet;
    this.#quiet = [];
    for (const resolve of waiting) resolve();
  }

  #pump(): void {
    while (!this.#d.stopped() && this.#running < this.#d.parallel && this.#queue.length > 0) {
      const rec = this.#queue.shift()!;
      if (!this.#d.current(rec)) continue;
      void this.#run(rec);
    }
  }

  async #run(rec: NodeRecord): Promise<void> {
    this.#running++;
    rec.state = 'probing';
    rec.again = false;
    let apply: () => void;
    try {
      apply = await this.#d.probe(rec);
    } finally {
      this.#running--;
    }
    apply();
    if (rec.again && !this.#d.stopped() && this.#d.current(rec)) this.enqueue(rec);
    this.#pump();
    this.maybeQuiet();
  }
}
