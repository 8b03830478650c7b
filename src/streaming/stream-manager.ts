/**
 * Streams: for every connected camera, the MediaMTX path that publishes it and the FFmpeg
 * publisher that feeds it. The service owns every FFmpeg process.
 *
 * A publisher runs while the camera has users: `always` (always_on mode), `reader:*` (an RTSP,
 * WebRTC or HLS reader made MediaMTX run the on-demand hook), `api` (start_streaming),
 * `recording`, `snapshot`. Per camera there is at most one supervisor, and a new one starts
 * only after the previous one has fully stopped, so a device never has two openers.
 */
import { EventEmitter } from 'node:events';
import type { Camera, CameraRegistry } from '../cameras/registry.js';
import type { MediaMtxApi, PathConf, PathInfo } from '../mediamtx/api-client.js';
import type { PathReconciler } from '../mediamtx/path-reconciler.js';
import type { Logger } from '../observability/logger.js';
import { FfmpegSupervisor, type ProcessExit } from './ffmpeg/supervisor.js';
import type { StreamSource } from './templates/select.js';

export type StreamMode = 'on_demand' | 'always_on';
export type StreamStatus = 'ACTIVE' | 'INACTIVE' | 'ERROR' | 'STARTING' | 'STOPPING';

export interface PublisherPlan {
  template: string;
  reason: string;
  argv: string[];
}

export interface StreamManagerOptions {
  registry: CameraRegistry;
  reconciler: PathReconciler;
  mediamtx: MediaMtxApi;
  log: Logger;
  /** The publisher source of a connected camera, or undefined when it cannot be published. */
  sourceOf(camera: Camera): StreamSource | undefined;
  /** Renders the publisher command for a source (template selection + placeholders). */
  plan(cameraId: string, source: StreamSource): PublisherPlan | Promise<PublisherPlan>;
  modeOf(cameraId: string): StreamMode;
  /** The runOnDemand command of an on-demand path. */
  onDemandCommand(cameraId: string): string;
  /**
   * Awaited before a publisher process is started (not before the supervisor's own restarts):
   * camera controls are put back so the first frames have them. Must not reject.
   */
  beforePublish?(cameraId: string): Promise<void>;
  readerCloseAfterS: number;
  autoCloseAfterS: number;
  stopGraceMs: number;
  stallTimeoutS: number;
}

export interface StreamEvents {
  started: [cameraId: string, info: { pid: number | null; template: string; afterMs: number }];
  /** A publisher process was spawned (each start and restart); it is opening the device. */
  spawned: [cameraId: string, pid: number | null];
  stopped: [cameraId: string, reason: string];
  /** A publisher exited without being asked to (the supervisor restarts it with backoff). */
  crash: [cameraId: string, exit: ProcessExit];
}

interface Entry {
  id: string;
  source: StreamSource | undefined;
  users: Set<string>;
  supervisor: FfmpegSupervisor | undefined;
  plan: PublisherPlan | undefined;
  publisherSince: number | undefined;
  apiSession: { startedAt: number; timer: NodeJS.Timeout } | undefined;
  /** Serializes publisher start/stop for this camera. */
  chain: Promise<void>;
  stopping: boolean;
}

export class StreamManager extends EventEmitter<StreamEvents> {
  readonly #entries = new Map<string, Entry>();
  #started = false;
  #closed = false;

  constructor(private readonly o: StreamManagerOptions) {
    super();
    o.registry.on('change', (camera) => this.#onCamera(camera));
  }

  /** Declares paths for the cameras already known; call once the demand endpoint listens. */
  async start(): Promise<void> {
    this.#started = true;
    await Promise.all(this.o.registry.list().map((c) => this.#onCamera(c)));
  }

  #entry(id: string): Entry {
    let e = this.#entries.get(id);
    if (!e) {
      e = { id, source: undefined, users: new Set(), supervisor: undefined, plan: undefined, publisherSince: undefined, apiSession: undefined, chain: Promise.resolve(), stopping: false };
      this.#entries.set(id, e);
    }
    return e;
  }

  #onCamera(camera: Camera): Promise<void> {
    if (this.#closed || !this.#started) return Promise.resolve();
    const e = this.#entry(camera.id);
    const source = camera.status === 'CONNECTED' ? this.o.sourceOf(camera) : undefined;
    const changed = JSON.stringify(source) !== JSON.stringify(e.source);
    e.source = source;
    if (!source) {
      // Unplugged or unusable: stop at once, drop the path, end every use.
      e.users.clear();
      this.#endApiSession(e);
      return Promise.all([this.#stopPublisher(e, camera.status === 'CONNECTED' ? 'camera cannot be published' : 'camera disconnected'), this.o.reconciler.remove(camera.id)]).then(
        () => undefined,
        (err: Error) => this.o.log.warn({ camera: camera.id, err: err.message }, 'removing path failed'),
      );
    }
    const mode = this.o.modeOf(camera.id);
    if (mode === 'always_on') e.users.add('always');
    else e.users.delete('always');
    const work: Promise<unknown>[] = [this.o.reconciler.set(camera.id, this.pathConf(camera.id))];
    if (changed && e.supervisor) work.push(this.#stopPublisher(e, 'camera mode changed')); // restarted below with the new mode
    return Promise.all(work)
      .then(() => (e.users.size > 0 ? this.#ensurePublisher(e) : undefined))
      .catch((err: Error) => this.o.log.warn({ camera: camera.id, err: err.message }, 'publishing the camera failed'));
  }

  /** The MediaMTX path configuration of a camera. */
  pathConf(id: string): PathConf {
    if (this.o.modeOf(id) === 'always_on') return { source: 'publisher' };
    return {
      source: 'publisher',
      runOnDemand: this.o.onDemandCommand(id),
      runOnDemandRestart: false,
      runOnDemandStartTimeout: '15s',
      runOnDemandCloseAfter: `${this.o.readerCloseAfterS}s`,
    };
  }

  isPublishable(id: string): boolean {
    return this.#entries.get(id)?.source !== undefined;
  }

  /** Adds a user of the camera's stream and starts its publisher when needed. */
  async acquire(id: string, user: string): Promise<void> {
    const e = this.#entries.get(id);
    if (!e?.source) throw new Error(`camera ${id} is not connected`);
    e.users.add(user);
    await this.#ensurePublisher(e);
  }

  /** Removes a user; the publisher stops when no user is left. */
  async release(id: string, user: string): Promise<void> {
    const e = this.#entries.get(id);
    if (!e || !e.users.delete(user)) return;
    if (e.users.size === 0) await this.#stopPublisher(e, 'no users left');
  }

  users(id: string): string[] {
    return [...(this.#entries.get(id)?.users ?? [])];
  }

  /** start_streaming: an API session that ends after `autoCloseAfterS` without readers. */
  async startApiSession(id: string): Promise<{ startedAt: number; plan: PublisherPlan | undefined; pid: number | null }> {
    const e = this.#entries.get(id);
    if (!e?.source) throw new Error(`camera ${id} is not connected`);
    if (!e.apiSession) {
      e.apiSession = { startedAt: Date.now(), timer: this.#autoClose(e) };
    } else {
      e.apiSession.timer.refresh();
    }
    await this.acquire(id, 'api');
    return { startedAt: e.apiSession.startedAt, plan: e.plan, pid: e.supervisor?.pid ?? null };
  }

  /** stop_streaming: ends the API session; other users keep the stream running. */
  async stopApiSession(id: string): Promise<{ startedAt: number | undefined; continues: boolean }> {
    const e = this.#entries.get(id);
    const startedAt = e?.apiSession?.startedAt;
    if (e) this.#endApiSession(e);
    await this.release(id, 'api');
    return { startedAt, continues: (e?.users.size ?? 0) > 0 && e?.supervisor !== undefined };
  }

  #autoClose(e: Entry): NodeJS.Timeout {
    const timer = setTimeout(async () => {
      const readers = (await this.pathInfo(e.id))?.readers.length ?? 0;
      if (readers > 0 && e.apiSession) {
        e.apiSession.timer.refresh();
        return;
      }
      this.o.log.info({ camera: e.id }, 'API streaming session ended after auto_close_after without readers');
      this.#endApiSession(e);
      await this.release(e.id, 'api');
    }, this.o.autoCloseAfterS * 1000);
    timer.unref();
    return timer;
  }

  #endApiSession(e: Entry): void {
    if (e.apiSession) clearTimeout(e.apiSession.timer);
    e.apiSession = undefined;
  }

  #serial(e: Entry, op: () => Promise<void>): Promise<void> {
    const next = e.chain.then(op);
    e.chain = next.catch(() => undefined);
    return next;
  }

  #ensurePublisher(e: Entry): Promise<void> {
    return this.#serial(e, async () => {
      if (e.supervisor || !e.source || e.users.size === 0 || this.#closed) return;
      const plan = await this.o.plan(e.id, e.source);
      if (e.supervisor || !e.source || e.users.size === 0 || this.#closed) return;
      await this.o.beforePublish?.(e.id);
      if (e.supervisor || !e.source || e.users.size === 0 || this.#closed) return;
      e.plan = plan;
      const sup = new FfmpegSupervisor({
        argv: plan.argv,
        graceMs: this.o.stopGraceMs,
        stallCheckMs: this.o.stallTimeoutS * 1000,
        probe: async () => (await this.o.mediamtx.getPath(e.id)).inboundBytes,
      });
      e.supervisor = sup;
      e.publisherSince = Date.now();
      sup.on('started', (info) => this.emit('started', e.id, { ...info, template: plan.template }));
      sup.on('exit', (exit) => {
        if (exit.requested) return;
        this.o.log.warn({ camera: e.id, code: exit.code, signal: exit.signal, summary: exit.summary }, 'ffmpeg publisher exited');
        this.emit('crash', e.id, exit);
      });
      sup.on('spawn', ({ pid }) => {
        this.o.log.info({ camera: e.id, pid, template: plan.template }, 'ffmpeg publisher started');
        this.emit('spawned', e.id, pid);
      });
      sup.start();
    });
  }

  #stopPublisher(e: Entry, reason: string): Promise<void> {
    return this.#serial(e, async () => {
      const sup = e.supervisor;
      if (!sup) return;
      e.stopping = true;
      try {
        await sup.dispose();
      } finally {
        e.stopping = false;
        e.supervisor = undefined;
        e.publisherSince = undefined;
      }
      this.o.log.info({ camera: e.id, reason }, 'ffmpeg publisher stopped');
      this.emit('stopped', e.id, reason);
    });
  }

  async pathInfo(id: string): Promise<PathInfo | undefined> {
    try {
      return await this.o.mediamtx.getPath(id);
    } catch {
      return undefined;
    }
  }

  /**
   * Restarts, without waiting out their backoff, publishers that failed while MediaMTX was
   * away; called once MediaMTX is back and the paths are restored.
   */
  async retryBackedOff(): Promise<void> {
    const waiting = [...this.#entries.values()].filter((e) => e.supervisor?.state === 'backoff');
    await Promise.all(waiting.map(async (e) => (await this.#stopPublisher(e, 'MediaMTX is back: restart now'), await this.#ensurePublisher(e))));
  }

  allPaths(): Promise<PathInfo[]> {
    return this.o.mediamtx.listPaths();
  }

  #snapshot: { at: number; paths: Promise<Map<string, PathInfo>> } | undefined;
  /** The newest listing that has arrived (`at`: when it was asked for). */
  #settled: { at: number; paths: Promise<Map<string, PathInfo>> } | undefined;

  /**
   * MediaMTX's paths as of at most `maxAgeMs` ago (one request shared by every caller in that
   * window), for figures where that staleness is harmless: status reads, get_metrics, /metrics.
   * While a newer listing is on its way, the last one that arrived answers if it was asked for
   * at most 2 × `maxAgeMs` ago, so a steady stream of status reads never waits for MediaMTX's
   * round trip (every refresh used to hold back the reads of that moment: a p99 tail).
   * Readiness decisions use pathInfo(), which always asks.
   */
  recentPaths(maxAgeMs = 500): Promise<Map<string, PathInfo>> {
    const now = performance.now();
    if (!this.#snapshot || now - this.#snapshot.at > maxAgeMs) {
      const snap = { at: now, paths: this.o.mediamtx.listPaths().then((list) => new Map(list.map((p) => [p.name, p]))) };
      this.#snapshot = snap;
      snap.paths.then(
        () => {
          if (!this.#settled || this.#settled.at < snap.at) this.#settled = snap;
        },
        () => {
          if (this.#snapshot === snap) this.#snapshot = undefined;
        },
      );
    }
    const settled = this.#settled;
    if (settled && settled !== this.#snapshot && now - settled.at <= 2 * maxAgeMs) return settled.paths;
    return this.#snapshot!.paths;
  }

  /** What get_stream_status reports (without MediaMTX figures). */
  publisher(id: string) {
    const e = this.#entries.get(id);
    const st = e?.supervisor?.status();
    return {
      users: [...(e?.users ?? [])],
      stopping: e?.stopping ?? false,
      supervisor: st,
      plan: e?.plan,
      since: e?.publisherSince,
      apiSessionStartedAt: e?.apiSession?.startedAt,
    };
  }

  /** Stops every publisher and ends every session; paths stay (MediaMTX is stopped separately). */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(
      [...this.#entries.values()].map((e) => {
        this.#endApiSession(e);
        e.users.clear();
        return this.#stopPublisher(e, 'service stopping');
      }),
    );
  }
}
