/**
 * Reads and writes a device's V4L2 controls with `v4l2-ctl` (adapter). A write and the read
 * back are one run: v4l2-ctl applies `--set-ctrl` before it lists (`--list-ctrls-menus`).
 */
import { parseListCtrls, type V4l2Control } from '../../discovery/v4l2-controls.js';
import { runOnce } from '../../process/run-once.js';
import type { ControlWrite } from './controls.js';

export interface ControlDevice {
  /** Every control of the node, with menus. */
  read(devnode: string): Promise<V4l2Control[]>;
  /** Writes one batch (applied together); returns the controls read back after it. */
  write(devnode: string, batch: readonly ControlWrite[]): Promise<V4l2Control[]>;
}

export class ControlWriteError extends Error {
  constructor(message: string, readonly stderr: string) {
    super(message);
    this.name = 'ControlWriteError';
  }
}

const scrub = (s: string) => s.replace(/\/dev\/\S+/g, 'the device');

export class V4l2CtlDevice implements ControlDevice {
  constructor(private readonly o: { binary?: string; timeoutMs: number }) {}

  async #run(args: string[]): Promise<string> {
    const r = await runOnce([this.o.binary ?? 'v4l2-ctl', ...args], { timeoutMs: this.o.timeoutMs });
    if (r.spawnError) throw new ControlWriteError(`cannot run v4l2-ctl: ${r.spawnError.message}`, '');
    if (r.timedOut) throw new ControlWriteError(`v4l2-ctl did not finish within ${this.o.timeoutMs} ms`, r.stderr);
    // v4l2-ctl reports failed ioctls on stderr; some versions still exit 0.
    const failed = r.stderr.split('\n').filter((l) => /error|failed|invalid|unknown control|cannot/i.test(l));
    if (r.code !== 0 || failed.length > 0) {
      throw new ControlWriteError(`v4l2-ctl ${r.code !== 0 ? `exited with ${r.code ?? r.signal}` : 'reported an error'}: ${scrub(failed[0] ?? r.stderr.split('\n')[0] ?? '')}`.trim(), scrub(r.stderr));
    }
    return r.stdout;
  }

  async read(devnode: string): Promise<V4l2Control[]> {
    return parseListCtrls(await this.#run(['-d', devnode, '--list-ctrls-menus']));
  }

  async write(devnode: string, batch: readonly ControlWrite[]): Promise<V4l2Control[]> {
    if (batch.length === 0) return this.read(devnode);
    const set = batch.map((w) => `${w.name}=${w.text}`).join(',');
    return parseListCtrls(await this.#run(['-d', devnode, `--set-ctrl=${set}`, '--list-ctrls-menus']));
  }
}
