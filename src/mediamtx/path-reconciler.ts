/**
 * Desired state for MediaMTX paths. The service says which paths should exist with which
 * configuration; this module makes MediaMTX match: one write at a time per path, every path
 * re-applied when MediaMTX (re)starts (its API changes live in memory only), and a periodic
 * comparison that restores paths removed or changed by hand.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../observability/logger.js';
import { MediaMtxError, type MediaMtxApi, type PathConf, type PathInfo } from './api-client.js';
import type { MediaMtxReachability } from './reachability.js';

export interface ReconcilerEvents {
  /** A path configuration was written to MediaMTX. */
  applied: [name: string];
  /** A full pass restored `count` paths that MediaMTX had lost or changed. */
  restored: [count: number];
  failed: [name: string, err: Error];
}

/** Fields compared to decide whether MediaMTX's copy of a path still matches ours. */
const COMPARED: (keyof PathConf)[] = ['source', 'sourceOnDemand', 'runOnDemand', 'record', 'recordPath', 'recordFormat'];

export function pathDiffers(desired: PathConf, actual: PathConf | undefined): boolean {
  if (!actual) return true;
  return COMPARED.some((k) => desired[k] !== undefined && JSON.stringify(desired[k]) !== JSON.stringify(actual[k]));
}

export class PathReconciler extends EventEmitter<ReconcilerEvents> {
  readonly #desired = new Map<string, PathConf>();
  /** Names this service has written and not yet deleted (it never touches other paths). */
  readonly #owned = new Set<string>();
  readonly #queues = new Map<string, Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #passing: Promise<void> | undefined;

  constructor(
    private readonly api: MediaMtxApi,
    private readonly reachability: MediaMtxReachability,
    private readonly log: Logger,
    private readonly intervalMs = 5000,
  ) {
    super();
    reachability.on('up', () => void this.reconcile());
    reachability.on('restarted', () => void this.reconcile());
  }

  start(): void {
    const tick = () => {
      this.#timer = setTimeout(() => void this.reconcile().finally(tick), this.intervalMs);
      this.#timer.unref();
    };
    tick();
  }

  stop(): void {
    clearTimeout(this.#timer);
  }

  desired(name: string): PathConf | undefined {
    return this.#desired.get(name);
  }

  /** Declares that path `name` should exist with `conf`; resolves once MediaMTX has it (or rejects). */
  set(name: string, conf: PathConf): Promise<void> {
    this.#desired.set(name, conf);
    return this.#enqueue(name, () => this.#write(name));
  }

  /** Declares that path `name` should not exist; resolves once MediaMTX no longer has it. */
  remove(name: string): Promise<void> {
    this.#desired.delete(name);
    return this.#enqueue(name, async () => {
      if (this.#desired.has(name)) return;
      if (this.reachability.up) await this.api.deletePathConfig(name);
      this.#owned.delete(name);
    });
  }

  /** Resolves with the runtime state once the path is available (has a ready publisher). */
  async waitAvailable(name: string, timeoutMs: number, everyMs = 20): Promise<PathInfo> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const info = await this.api.getPath(name);
        if (info.available) return info;
      } catch (err) {
        if (!(err instanceof MediaMtxError && (err.status === 404 || err.status === 0))) throw err;
      }
      if (Date.now() > deadline) throw new Error(`path ${name} not available within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }

  /** Compares MediaMTX's paths with the desired set and repairs differences (coalesced). */
  reconcile(): Promise<void> {
    this.#passing ??= this.#pass().finally(() => (this.#passing = undefined));
    return this.#passing;
  }

  async #pass(): Promise<void> {
    if (!this.reachability.up || (this.#desired.size === 0 && this.#owned.size === 0)) return;
    let actual: Map<string, PathConf>;
    try {
      actual = new Map((await this.api.listPathConfigs()).map((p) => [String(p.name), p]));
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'path reconcile: listing failed');
      return;
    }
    const work: Promise<void>[] = [];
    for (const [name, conf] of this.#desired) {
      if (pathDiffers(conf, actual.get(name))) work.push(this.#enqueue(name, () => this.#write(name)).catch(() => undefined));
    }
    for (const name of this.#owned) {
      if (!this.#desired.has(name) && actual.has(name)) work.push(this.remove(name).catch(() => undefined));
    }
    if (work.length > 0) {
      await Promise.all(work);
      this.log.info({ count: work.length }, 'restored MediaMTX paths');
      this.emit('restored', work.length);
    }
  }

  async #write(name: string): Promise<void> {
    const conf = this.#desired.get(name);
    if (!conf) return;
    try {
      // Not while MediaMTX is down or another MediaMTX answers on its API port; 'up' re-applies every path.
      if (!this.reachability.up) throw new MediaMtxError(`MediaMTX is not reachable: ${this.reachability.lastError ?? 'no answer yet'}`, 0, '');
      await this.api.replacePathConfig(name, conf);
      this.#owned.add(name);
      this.emit('applied', name);
    } catch (err) {
      this.emit('failed', name, err as Error);
      throw err;
    }
  }

  /** Serializes operations per path name. */
  #enqueue(name: string, op: () => Promise<void>): Promise<void> {
    const prev = this.#queues.get(name) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(op);
    const tail = next.catch(() => undefined);
    this.#queues.set(name, tail);
    void tail.then(() => this.#queues.get(name) === tail && this.#queues.delete(name));
    return next;
  }
}
