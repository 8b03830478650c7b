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
 * When the daemon is busy enough for V8's optimizing compilers to pay their way: the CPU time the
 * process used (user + system, all its threads) as a share of one core, averaged over the last
 * `window` samples, one per second. CPU time rather than the event loop's utilization, because
 * the utilization is wall-clock time and grows when other processes take the CPU (a camera host
 * encoding video): an idle service on a loaded machine crossed 3 % of it. Recorded: idle 0.6–1.5 %
 * of a core, one second in twenty 4–6.5 % and sometimes two such seconds in a row (GCs), the
 * same on a machine kept busy by other work; serving 100–1000 req/s over 1000 connections
 * 8.5–15.5 %; 1000 clients connecting 60 %. Five seconds, not three: a 3 s window over two or
 * three GC seconds came close to 5 % (and once, in a bench run on a busy machine, switched the
 * compilers on while idle). Pure: the caller samples.
 */
export class CompilerDemand {
  readonly #samples: number[] = [];

  constructor(
    readonly threshold = 0.05,
    readonly window = 5,
  ) {}

  /** Adds one second's CPU share (1 = one core); true once the last `window` samples average `threshold` or more. */
  add(cpuShare: number): boolean {
    this.#samples.push(cpuShare);
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
 * process's CPU time, sampled every second), then stops sampling. Until then an idle daemon keeps
 * running its few periodic functions in V8's interpreter and baseline compiler: enough for them,
 * and the compilers' code and memory (3–8 MB RSS over the first minutes of idling,
 * docs/performance.md) are never paged in. Returns a function that stops the sampling.
 */
export function releaseOptimizingCompilersWhenBusy(onRelease: (cpuShare: number) => void, demand = new CompilerDemand()): () => void {
  if (compilersGiven()) return () => undefined;
  const cpuMicros = () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  let lastCpu = cpuMicros();
  let lastAt = process.hrtime.bigint();
  const timer = setInterval(() => {
    const cpu = cpuMicros();
    const at = process.hrtime.bigint();
    const busy = demand.add((cpu - lastCpu) / (Number(at - lastAt) / 1000));
    lastCpu = cpu;
    lastAt = at;
    if (!busy) return;
    clearInterval(timer);
    releaseOptimizingCompilers();
    onRelease(demand.average());
  }, 1000);
  timer.unref();
  return () => clearInterval(timer);
}
