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
 * compiler; once the service is ready the compilers are back (releaseOptimizingCompilers) at
 * V8's own thresholds, so code that is hot under load is optimized exactly as before.
 * Measured in docs/performance.md ("Memory").
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
