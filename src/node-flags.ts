/**
 * The Node/V8 flags the daemon runs with.
 *
 * NODE_FLAGS cannot be set from inside the process (V8 sizes its heap before any JavaScript
 * runs, and Node refuses some of them in NODE_OPTIONS), so every launcher passes them on the
 * command line: the systemd unit, `scripts/run.sh`, and the test helper that integration tests
 * and the benchmark start the service with. A unit test checks that the unit file and run.sh
 * carry exactly these.
 *
 * --max-semi-space-size=1: caps each half of V8's young generation at 1 MB (default: grows
 *   to 8 MB under allocation and stays resident). Measured with 10 test-pattern cameras and
 *   500 clients: service RSS 93 → 72 MB, CPU unchanged (docs/performance.md).
 */
import { setFlagsFromString } from 'node:v8';

export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];

/**
 * V8's optimizing compilers, which the daemon holds back while it starts (holdOptimizingCompilers):
 * Turbofan, and Maglev on V8 12 and later (Node 22, 24; Node 20's V8 11 ships it off).
 *
 * Why: starting the service runs a few functions thousands of times (Node's module resolver over
 * ~400 modules, the YAML parser), enough for V8 to optimize them. That first optimization pages
 * in megabytes of compiler code and leaves compiler memory resident while the service idles,
 * for code that never runs again. Held back, start-up runs in V8's interpreter and baseline
 * compiler. Once the service is ready they stay off while it idles (an idle daemon's periodic
 * work would otherwise get optimized within minutes, for the same cost) and come back at V8's
 * own thresholds as soon as it is busy (releaseOptimizingCompilersWhenBusy), so code that is hot
 * under load is optimized as before. Measured in docs/performance.md ("Node 20 and Node 24").
 */
export function optimizingCompilers(v8Version: string): string[] {
  return Number(v8Version.split('.')[0]) >= 12 ? ['maglev', 'turbofan'] : ['turbofan'];
}

/** Whether this process's command line already decides about V8's compilers (then it is left alone). */
function compilersGiven(): boolean {
  return process.execArgv.some((a) => /^--(no-)?(turbofan|maglev|opt|jitless)$/.test(a));
}

/** Switches the optimizing compilers off. The daemon's entry (src/main.ts) calls it before loading anything else. */
export function holdOptimizingCompilers(): void {
  if (compilersGiven()) return;
  for (const c of optimizingCompilers(process.versions.v8)) setFlagsFromString(`--no-${c}`);
}

/** Switches them back on (V8's defaults); called once the service is ready. */
export function releaseOptimizingCompilers(): void {
  if (compilersGiven()) return;
  for (const c of optimizingCompilers(process.versions.v8)) setFlagsFromString(`--${c}`);
}

/**
 * When the daemon is busy enough for V8's optimizing compilers to pay their way: the event loop's
 * utilization (the share of time it ran callbacks) averaged over the last `window` samples, one
 * per second. An idle service runs 0.4–0.8 % (its periodic MediaMTX health check, with a one-off
 * second up to 4 %); serving API requests over 1000 connections runs 5 % and more, and a burst
 * (clients connecting, a camera event fanned out to every client) far more. Pure: the caller
 * samples.
 */
export class CompilerDemand {
  readonly #samples: number[] = [];

  constructor(
    readonly threshold = 0.03,
    readonly window = 3,
  ) {}

  /** Adds one second's utilization (0..1); true once the last `window` samples average `threshold` or more. */
  add(utilization: number): boolean {
    this.#samples.push(utilization);
    if (this.#samples.length > this.window) this.#samples.shift();
    return this.#samples.length === this.window && this.average() >= this.threshold;
  }

  /** Mean of the samples held (0 before the first). */
  average(): number {
    return this.#samples.length ? this.#samples.reduce((a, b) => a + b, 0) / this.#samples.length : 0;
  }
}

/**
 * Switches the optimizing compilers back on once the service is busy (CompilerDemand over the
 * event loop's utilization, sampled every second), then stops sampling. Until then an idle
 * daemon keeps running its few periodic functions in V8's interpreter and baseline compiler:
 * enough for them, and the compilers' code and memory (3–8 MB RSS over the first minutes of
 * idling, docs/performance.md) are never paged in. Returns a function that stops the sampling.
 */
export function releaseOptimizingCompilersWhenBusy(onRelease: (utilization: number) => void, demand = new CompilerDemand()): () => void {
  if (compilersGiven()) return () => undefined;
  let last = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const busy = demand.add(performance.eventLoopUtilization(now, last).utilization);
    last = now;
    if (!busy) return;
    clearInterval(timer);
    releaseOptimizingCompilers();
    onRelease(demand.average());
  }, 1000);
  timer.unref();
  return () => clearInterval(timer);
}
