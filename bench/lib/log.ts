/** Progress lines on stderr, with the seconds since the run started. */
const t0 = performance.now();

export function log(msg: string): void {
  process.stderr.write(`[bench +${(Math.round(performance.now() - t0) / 1000).toFixed(1)}s] ${msg}\n`);
}
