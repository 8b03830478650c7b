/**
 * The Node/V8 flags the daemon runs with. They cannot be set from inside the process (V8
 * sizes its heap before any JavaScript runs, and Node refuses some of them in NODE_OPTIONS),
 * so every launcher passes them on the command line: the systemd unit, `scripts/run.sh`, and
 * the test helper that integration tests and the benchmark start the service with. A unit
 * test checks that the unit file and run.sh carry exactly these.
 *
 * --max-semi-space-size=1: caps each half of V8's young generation at 1 MB (default: grows
 *   to 8 MB under allocation and stays resident). Measured with 10 test-pattern cameras and
 *   500 clients: service RSS 93 → 72 MB, CPU unchanged (docs/performance.md).
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];
