/**
 * Precise send times for the open-loop generator. Node timers wake on whole milliseconds
 * (and late), which would add up to ~1 ms to every latency measured from the scheduled
 * time. A worker thread sleeps with Atomics.wait (sub-millisecond timeouts) until each
 * scheduled time and posts a tick; the generator's event loop wakes on it (epoll, tens of
 * µs) and sends whatever is due. The worker does nothing else, so blocking it is free.
 *
 * This file is both the main-thread handle and the worker body.
 */
import { isMainThread, parentPort, Worker } from 'node:worker_threads';

/** Milliseconds on the monotonic clock shared by every thread of the process. */
function hrMs(): number {
  const [s, ns] = process.hrtime();
  return s * 1e3 + ns / 1e6;
}

interface RunMsg {
  /** First tick, in hrMs() time. */
  start: number;
  interval: number;
  total: number;
}

if (!isMainThread && parentPort) {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const port = parentPort;
  port.on('message', (m: RunMsg) => {
    for (let k = 0; k < m.total; k++) {
      const wait = m.start + k * m.interval - hrMs();
      if (wait > 0.02) Atomics.wait(cell, 0, 0, wait);
      port.postMessage(k);
    }
    port.postMessage(-1);
  });
}

export class Metronome {
  #worker: Worker | undefined;

  /**
   * Calls `tick(k)` at `start + k × interval` (performance.now() time) for k < total, as
   * precisely as the machine allows, then `tick(-1)`; resolves after that.
   */
  run(start: number, interval: number, total: number, tick: (k: number) => void): Promise<void> {
    const worker = (this.#worker ??= new Worker(new URL(import.meta.url)));
    worker.unref();
    const offset = hrMs() - performance.now();
    return new Promise((resolve) => {
      const onMessage = (k: number) => {
        tick(k);
        if (k < 0) {
          worker.off('message', onMessage);
          resolve();
        }
      };
      worker.on('message', onMessage);
      worker.postMessage({ start: start + offset, interval, total } satisfies RunMsg);
    });
  }
}
