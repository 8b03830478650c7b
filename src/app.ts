/**
 * The composition root: the service as an ordered list of modules. Each capability's wiring
 * (src/app/*.ts) builds it from the config, registers what it offers into the shared core
 * (methods, routes, notifications, health and metrics providers; src/app/core.ts) and
 * returns its lifecycle. The modules start in list order and stop in reverse
 * (src/core/lifecycle.ts); a failed start stops what was started.
 */
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Session } from './api/session.js';
import type { ApiSurface } from './api/surface.js';
import { TokenBucket } from './api/limits/token-bucket.js';
import type { CameraRegistry } from './cameras/registry.js';
import type { CameraSettings } from './cameras/settings/service.js';
import type { TestPatternCameras } from './cameras/test-patterns.js';
import { consoleRoutes } from './console/route.js';
import type { Config } from './config/schema.js';
import { Lifecycle, type Module } from './core/lifecycle.js';
import type { DiscoveryService } from './discovery/service.js';
import type { ExternalStreams } from './external/external-streams.js';
import type { Media } from './media/setup.js';
import type { MediaMtxApi } from './mediamtx/api-client.js';
import type { ManagedMediaMtx } from './mediamtx/managed-server.js';
import type { PathReconciler } from './mediamtx/path-reconciler.js';
import type { MediaMtxReachability } from './mediamtx/reachability.js';
import type { MqttBridge } from './mqtt/bridge.js';
import type { Logger } from './observability/logger.js';
import type { Metrics } from './observability/metrics.js';
import type { Streaming } from './streaming/setup.js';
import { wireApi, type Api } from './app/api.js';
import { announceCameras, wireCameras } from './app/cameras.js';
import { createCore, packageVersion, ROOT, type Core } from './app/core.js';
import { wireExternal } from './app/external.js';
import { wireInternalListener } from './app/internal.js';
import { observeMedia, wireMedia } from './app/media.js';
import { wireMediaMtx } from './app/mediamtx.js';
import { observeStreams, wireStreaming } from './app/streaming.js';

export { packageVersion } from './app/core.js';

export class App {
  readonly core: Core;
  readonly metrics: Metrics;
  readonly cameras: CameraRegistry;
  readonly mediamtxApi: MediaMtxApi;
  readonly reachability: MediaMtxReachability;
  readonly managed: ManagedMediaMtx | undefined;
  readonly paths: PathReconciler;
  readonly testPatterns: TestPatternCameras;
  /** V4L2 controls and capture modes set at run time, kept per physical camera. */
  readonly settings: CameraSettings;
  /** V4L2 discovery (undefined when discovery.enabled is false). */
  readonly discovery: DiscoveryService | undefined;
  readonly streaming: Streaming;
  /** Recordings, snapshots, files, storage and retention. */
  readonly media: Media;
  readonly external: ExternalStreams;
  /** Authentication, OpenRPC, health, metrics and limits of the API; the listener. */
  readonly api: ApiSurface;
  /** The MQTT bridge (undefined unless mqtt.url is set; loaded at start). */
  mqtt: MqttBridge | undefined;
  readonly #api: Api;
  readonly #lifecycle: Lifecycle;
  #stopping: Promise<void> | undefined;

  constructor(
    readonly config: Config,
    readonly log: Logger,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    const core = (this.core = createCore(config, log));
    this.metrics = core.metrics;
    this.cameras = core.cameras;
    // Its on-demand hooks live in their own process groups; releasing their demands ends them.
    const mediamtx = wireMediaMtx(core, env, () => streaming.demand.closeAll(), () => api.surface.auth);
    const cameras = wireCameras(core, {
      recording: (id) => media.recordings.session(id) !== undefined,
      pathFigures: (id) =>
        streaming.streams.recentPaths().then(
          (paths) => ({ bytes_sent: paths.get(id)?.outboundBytes ?? 0, readers: paths.get(id)?.readers.length ?? 0 }),
          () => ({ bytes_sent: 0, readers: 0 }), // MediaMTX unreachable
        ),
    });
    const streaming = wireStreaming(core, mediamtx, cameras.settings);
    const { media, module: mediaModule } = wireMedia(core, mediamtx, streaming, (req) => api.surface.auth.authenticateHttp(req));
    const external = wireExternal(core, mediamtx);
    const api = wireApi(core, mediamtx.reachability, () => cameras.discovery);
    // Announced once streaming and media are built: they react to a change before it is announced.
    announceCameras(core, cameras);
    observeMedia(core, media);
    observeStreams(core, streaming, mediamtx, cameras.settings);
    if (config.server.console) {
      const { websocket_path: websocketPath, public_host: publicHost } = config.server;
      core.routes.push(...consoleRoutes({ dir: join(ROOT, 'dist', 'console'), webrtcPort: config.mediamtx.webrtc_port, publicHost, websocketPath }));
    }

    // The service, in start order (stopped in reverse).
    const modules: Module[] = [
      wireInternalListener(core), // loopback routes for MediaMTX's hooks: their address goes into MediaMTX's config
      mediamtx.module, // MediaMTX up (managed mode: started) before anything needs it
      ...cameras.modules, // first V4L2 enumeration before the listener, so clients see the cameras at once; test cameras
      mediaModule, // storage, retention, crash recovery; its drain ends recordings while clients are connected
      api.listener, // every registered route and the WebSocket server
      streaming.module, // paths carry the on-demand hook command, which needs the listener's port
      external.module,
      mediamtx.pathsModule,
      api.module, // ready: /health/ready, key store, health watch
      { name: 'mqtt', start: () => this.#startMqtt(), stop: () => this.mqtt?.stop() }, // after the recordings' final notifications, before the API goes
    ];
    this.#lifecycle = new Lifecycle(modules, log);

    this.mediamtxApi = mediamtx.api;
    this.reachability = mediamtx.reachability;
    this.managed = mediamtx.managed;
    this.paths = mediamtx.paths;
    this.testPatterns = cameras.testPatterns;
    this.settings = cameras.settings;
    this.discovery = cameras.discovery;
    this.streaming = streaming;
    this.media = media;
    this.external = external.external;
    this.api = api.surface;
    this.#api = api;
  }

  get port(): number {
    return this.core.port;
  }

  get dispatcher() {
    return this.#api.dispatcher;
  }

  get http() {
    return this.#api.http;
  }

  get ws() {
    return this.#api.ws;
  }

  get notifier() {
    return this.core.notifier;
  }

  streamUrls(id: string) {
    return this.core.streamUrls(id);
  }

  /** Loads the MQTT bridge (only now: nothing of MQTT is loaded while mqtt.url is empty) and starts it. */
  async #startMqtt(): Promise<void> {
    if (this.config.mqtt.url === '') return;
    const { MqttBridge } = await import('./mqtt/bridge.js');
    // Commands run through the dispatcher as an operator, so they behave exactly like the API.
    const session: Session = { id: 'mqtt', remote: 'mqtt', auth: { role: 'operator', userId: 'mqtt-bridge', expiresAt: Infinity, method: 'internal' } };
    const limiter = new TokenBucket(this.config.limits.request_burst, this.config.limits.requests_per_second);
    this.mqtt = new MqttBridge({
      config: this.config.mqtt,
      version: packageVersion(),
      cameras: this.cameras,
      streamUrls: (id) => this.streamUrls(id),
      activeRecordings: () => this.media.recordings.active(),
      observe: (o) => this.notifier.observe(o),
      call: async (method, params) => {
        const text = await this.dispatcher.handleFrame(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }), session, limiter);
        const reply = JSON.parse(text ?? '{}') as { result?: unknown; error?: { code: number; message: string; data?: unknown } };
        return reply.error ? { error: reply.error } : { result: reply.result };
      },
      snapshotPath: (name) => join(this.config.storage.snapshots_path, name),
      metrics: this.metrics.registry,
      log: this.log.child({ module: 'mqtt' }),
    });
    await this.mqtt.start();
  }

  /** Starts every module in order; resolves once the service is ready or degraded. */
  async start(): Promise<void> {
    await this.#lifecycle.start();
    const addr = this.http.server.address() as AddressInfo | null;
    const tls = this.core.tls ? { tls: true, fingerprint256: this.core.tls.fingerprint256 } : {};
    this.log.info({ host: addr?.address, port: addr?.port, path: this.config.server.websocket_path, internal_port: this.core.internalPort, ...tls }, 'service ready');
  }

  /** Graceful stop (every module in reverse order); safe to call more than once. */
  stop(): Promise<void> {
    return (this.#stopping ??= (async () => {
      this.log.info('stopping');
      await this.#lifecycle.stop();
      this.log.info('stopped');
    })());
  }
}
