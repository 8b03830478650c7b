/**
 * One lifecycle for every module of the service. The composition root lists its modules in
 * start order; `start()` starts them one after the other, and a module whose start fails stops
 * what was started (itself included, as far as it got). `stop()` runs in two passes, each in
 * reverse list order: `drain` (stop taking new work and finish what runs, while clients are
 * still connected: recordings end, discovery stops) and then `stop` (release listeners,
 * processes, timers). Stopping is safe to call more than once and after a failed start.
 */

export interface Module {
  /** Named in the log when its start or stop fails. */
  readonly name: string;
  start?(): void | Promise<void>;
  /** First pass of a stop (reverse order): stop taking work, finish what runs. */
  drain?(): void | Promise<void>;
  /** Second pass of a stop (reverse order): release what the module holds. */
  stop?(): void | Promise<void>;
}

export interface LifecycleLog {
  error(obj: object, msg: string): void;
}

export class Lifecycle {
  /** Modules whose start was called (the last one may have failed part-way). */
  readonly #entered: Module[] = [];
  #stopping: Promise<void> | undefined;

  constructor(
    readonly modules: readonly Module[],
    private readonly log?: LifecycleLog,
  ) {
    const names = modules.map((m) => m.name);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice !== undefined) throw new Error(`module "${twice}" is listed twice`);
  }

  /** Starts every module in list order; on a failure stops what was started and rethrows. */
  async start(): Promise<void> {
    if (this.#entered.length > 0 || this.#stopping) throw new Error('a lifecycle starts once');
    for (const m of this.modules) {
      if (this.#stopping) return;
      this.#entered.push(m);
      try {
        await m.start?.();
      } catch (err) {
        this.log?.error({ module: m.name, err: (err as Error).message }, 'module failed to start; stopping the modules started before it');
        await this.stop().catch(() => undefined);
        throw err;
      }
    }
  }

  /** Drains, then stops, every started module in reverse order; the first failure is rethrown at the end. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      const started = [...this.#entered].reverse();
      let first: unknown;
      for (const pass of ['drain', 'stop'] as const) {
        for (const m of started) {
          try {
            await m[pass]?.();
          } catch (err) {
            this.log?.error({ module: m.name, pass, err: (err as Error).message }, 'module failed to stop');
            first ??= err;
          }
        }
      }
      if (first !== undefined) throw first;
    })();
    return this.#stopping;
  }
}
