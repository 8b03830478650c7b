/**
 * The composition root: builds every module from the config, wires their events, and owns
 * the start and stop order. Nothing else constructs modules or knows how they connect.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { guarded } from './api/http-access.js';
import { consoleRoutes } from './console/route.js';
import { HttpServer, sendJson } from './api/http-server.js';
import { cameraMethods, cameraView } from './api/methods/cameras.js';
import { eventMethods } from './api/methods/events.js';
import { mediaMethods } from './api/methods/media.js';
import { AfterReplySink, Notifier } from './api/notifications.js';
import { diagnosticsMethods } from './api/methods/diagnostics.js';
import { externalMethods } from './api/methods/external.js';
import { streamMethods } from './api/methods/streams.js';
import { systemMethods } from './api/methods/system.js';
import { testCameraMethods } from './api/methods/test-cameras.js';
import { Dispatcher } from './api/rpc/dispatcher.js';
import { MethodRegistry } from './api/rpc/registry.js';
import { ApiSurface, wsLimitsOf } from './api/surface.js';
import { RpcWebSocketServer } from './api/ws-server.js';
import { CameraIdStore } from './cameras/id-store.js';
import { CameraRegistry } from './cameras/registry.js';
import { CameraSettings } from './cameras/settings/service.js';
import { SettingsStore } from './cameras/settings/store.js';
import { V4l2CtlDevice } from './cameras/settings/v4l2-ctl.js';
import { settingsMethods } from './api/methods/settings.js';
import { TestPatternCameras } from './cameras/test-patterns.js';
import type { Config } from './config/schema.js';
import { DiscoveryService } from './discovery/service.js';
import { MediaMtxApi, type PathInfo } from './mediamtx/api-client.js';
import { ManagedMediaMtx, resolveMediaMtxBinary } from './mediamtx/managed-server.js';
import { ExternalStreams } from './external/external-streams.js';
import { PathReconciler } from './mediamtx/path-reconciler.js';
import { MediaMtxReachability } from './mediamtx/reachability.js';
import type { Logger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import { createMedia, type Media } from './media/setup.js';
import { registerMediaMetrics } from './media/metrics.js';
import { registerStreamMetrics } from './streaming/metrics.js';
import { createStreaming, type Streaming } from './streaming/setup.js';
import type { Session } from './api/session.js';
import { TokenBucket } from './api/limits/token-bucket.js';
import type { MqttBridge } from './mqtt/bridge.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

export class App {
  readonly metrics = new Metrics();
  readonly cameras = new CameraRegistry();
  readonly mediamtxApi: MediaMtxApi;
  readonly reachability: MediaMtxReachability;
  readonly managed: ManagedMediaMtx | undefined;
  readonly paths: PathReconciler;
  readonly cameraIds: CameraIdStore;
  readonly testPatterns: TestPatternCameras;
  /** V4L2 controls and capture modes set at run time, kept per physical camera. */
  readonly settings: CameraSettings;
  /** V4L2 discovery (undefined when discovery.enabled is false). */
  readonly discovery: DiscoveryService | undefined;
  readonly streaming: Streaming;
  /** Recordings, snapshots, files, storage and retention. */
  readonly media: Media;
  readonly external: ExternalStreams;
  readonly http: HttpServer;
  readonly ws: RpcWebSocketServer;
  readonly notifier: Notifier;
  /** Authentication (JWT, API keys), OpenRPC, health, metrics and limits of the API. */
  readonly api: ApiSurface;
  readonly dispatcher: Dispatcher;
  /** The MQTT bridge (undefined unless mqtt.url is set; loaded at start). */
  mqtt: MqttBridge | undefined;
  #started = false;
  #stopping: Promise<void> | undefined;
  #notifications: AfterReplySink;
  port = 0;

  constructor(
    readonly config: Config,
    readonly log: Logger,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    const mtx = config.mediamtx;
    const binary = mtx.managed ? resolveMediaMtxBinary(mtx.binary, env) : '';
    const managed = mtx.managed
      ? new ManagedMediaMtx(mtx, binary, join(config.storage.state_path, 'mediamtx.yml'), log.child({ module: 'mediamtx' }))
      : undefined;
    this.mediamtxApi = new MediaMtxApi({ baseUrl: mtx.api_url, requestTimeoutMs: mtx.request_timeout_ms, ...(managed ? { credentials: managed.apiCredentials } : {}) });
    // In managed mode only the MediaMTX the service started counts (not another one on its API port).
    const identify = managed
      ? async () =>
          (await this.mediamtxApi.globalConfig()).sysLogPrefix === managed.marker
            ? undefined
            : `the MediaMTX answering on ${mtx.api_url} is not the one this service started (another MediaMTX holds its API port?)`
      : undefined;
    this.reachability = new MediaMtxReachability(this.mediamtxApi, mtx.health_interval_ms, identify);
    this.reachability.on('up', (started) => {
      this.metrics.mediamtxUp.set(1);
      log.info({ started }, 'mediamtx api reachable');
    });
    this.reachability.on('down', (reason) => {
      this.metrics.mediamtxUp.set(0);
      log.warn({ reason }, 'mediamtx api unreachable');
    });
    this.reachability.on('restarted', () => this.metrics.mediamtxRestarts.inc());

    if (managed) {
      this.managed = managed;
      this.managed.on('exit', () => {
        this.reachability.markDown('managed MediaMTX process exited');
        // Its on-demand hooks live in their own process groups; releasing their demands ends them.
        this.streaming.demand.closeAll();
      });
      this.managed.on('started', () => void this.reachability.check());
    }

    this.paths = new PathReconciler(this.mediamtxApi, this.reachability, log.child({ module: 'paths' }));
    this.cameraIds = new CameraIdStore(join(config.storage.state_path, 'camera-ids.json'), log.child({ module: 'state' }));
    this.testPatterns = new TestPatternCameras(this.cameras, this.cameraIds, (identity) => this.settings.testPatternMode(identity));
    this.discovery = config.discovery.enabled
      ? new DiscoveryService({
          config: config.discovery,
          registry: this.cameras,
          ids: this.cameraIds,
          metrics: this.metrics.registry,
          log: log.child({ module: 'discovery' }),
          modeOverride: (identity, formats) => this.settings.modeOverride(identity, formats),
        })
      : undefined;
    this.settings = new CameraSettings({
      registry: this.cameras,
      store: new SettingsStore(join(config.storage.state_path, 'camera-settings.json'), log.child({ module: 'state' })),
      device: new V4l2CtlDevice({ timeoutMs: config.discovery.probe_timeout_ms }),
      testPatterns: this.testPatterns,
      log: log.child({ module: 'settings' }),
      formatsOf: (id) => this.discovery?.formatsOf(id),
      refreshModes: () => this.discovery?.refreshModes(),
      recording: (id) => this.media.recordings.session(id) !== undefined,
      preferredFormats: config.discovery.preferred_formats,
    });
    this.streaming = createStreaming({
      config,
      registry: this.cameras,
      reconciler: this.paths,
      mediamtx: this.mediamtxApi,
      log: log.child({ module: 'streaming' }),
      servicePort: () => this.port,
      // Saved camera controls go back before the publisher opens the device, and again once it
      // runs (some drivers reset controls when streaming starts).
      beforePublish: (id) => (this.cameras.get(id)?.kind === 'v4l2' ? this.settings.reapply(id, 'reapplied_before_publisher_start') : Promise.resolve()),
      ...(managed ? { publishCredentials: managed.publishCredentials } : {}),
    });
    this.media = createMedia({
      config,
      registry: this.cameras,
      streams: this.streaming.streams,
      waitAvailable: (id, ms) => this.paths.waitAvailable(id, ms),
      idleClip: (id) => this.streaming.idleClip(id),
      catalog: this.streaming.catalog,
      notifier: { broadcast: (m, p) => this.notifier.broadcast(m, p), publish: (t, f, d) => this.notifier.publish(t, f, d) },
      log: log.child({ module: 'media' }),
    });

    const ext = config.external_streams;
    this.external = new ExternalStreams({
      file: join(config.storage.state_path, 'external-streams.json'),
      reconciler: this.paths,
      mediamtx: this.mediamtxApi,
      log: log.child({ module: 'external' }),
      discovery: {
        enabled: ext.discovery_enabled,
        hosts: ext.hosts,
        skydio: ext.skydio_enabled,
        generic: ext.generic_enabled,
        genericPorts: ext.generic_ports,
        genericPaths: ext.generic_paths,
        maxTargets: ext.max_targets,
        timeoutMs: ext.probe_timeout_ms,
        concurrency: ext.concurrency,
      },
      intervalS: ext.scan_interval_s,
    });

    const registry = new MethodRegistry();
    this.api = new ApiSurface({
      config,
      log: log.child({ module: 'api' }),
      version: packageVersion(),
      cameras: this.cameras,
      reachability: this.reachability,
      sessions: () => this.ws.sessions(),
      wsState: () => this.ws.state,
      notifier: () => this.notifier,
      inFlight: () => dispatcher.inFlight,
    });
    registry.add(
      ...systemMethods({
        authenticate: (token) => this.api.auth.authenticate(token),
        serverInfo: {
          name: 'camera-service',
          version: packageVersion(),
          build_date: statSync(fileURLToPath(import.meta.url)).mtime.toISOString(),
          capabilities: ['json-rpc-2.0', 'websocket-notifications', 'jwt-auth', 'api-key-auth', 'openrpc', 'mediamtx'],
          supported_formats: ['fmp4', 'mp4', 'mkv', 'jpg', 'png'],
          max_cameras: 64,
        },
        systemStatus: () => this.#systemStatus(),
      }),
      ...cameraMethods({
        registry: this.cameras,
        streamUrls: (id) => this.streamUrls(id),
        modeSource: (camera) => this.settings.modeSource(camera),
        pathFigures: (id) =>
          this.streaming.streams.recentPaths().then(
            (paths) => ({ bytes_sent: paths.get(id)?.outboundBytes ?? 0, readers: paths.get(id)?.readers.length ?? 0 }),
            () => ({ bytes_sent: 0, readers: 0 }), // MediaMTX unreachable
          ),
      }),
      ...eventMethods({ sessions: () => this.ws.sessions() }),
      ...streamMethods({
        registry: this.cameras,
        streams: this.streaming.streams,
        streamUrls: (id) => this.streamUrls(id),
        autoCloseAfterS: config.streaming.auto_close_after_s,
      }),
      ...mediaMethods(this.media),
      ...externalMethods({ external: this.external, nameTaken: (name) => this.cameras.get(name) !== undefined }),
      ...diagnosticsMethods({ registry: this.cameras, streams: this.streaming.streams, mediamtxUp: () => this.reachability.up }),
      ...testCameraMethods({ registry: this.cameras, testPatterns: this.testPatterns }),
      ...settingsMethods(this.settings),
    );
    // rpc.discover and get_status/get_metrics; the OpenRPC document covers every method in `registry`.
    registry.add(...this.api.methods(registry));

    const dispatcher = (this.dispatcher = new Dispatcher(registry, {
      onCall: (method, outcome, seconds) => this.metrics.rpcDuration.observe({ method, outcome }, seconds),
      onInternalError: (method, requestId, err) => log.error({ method, requestId, err }, 'internal error in method'),
      onDependencyError: (method, requestId, err) => log.warn({ method, requestId, data: err.data }, 'dependency failed'),
    }, Date.now, { maxBatch: config.limits.max_batch_requests, maxBatchUnauthenticated: config.limits.unauthenticated_max_batch_requests }));
    this.http = new HttpServer((err) => log.error({ err }, 'http handler failed'));
    this.ws = new RpcWebSocketServer({
      path: config.server.websocket_path,
      maxPayload: config.server.max_payload_bytes,
      heartbeatMs: config.server.heartbeat_interval_s * 1000,
      dispatcher,
      metrics: this.metrics,
      log: log.child({ module: 'ws' }),
      limits: wsLimitsOf(config.limits),
    });
    // Replies first: notifications a method causes are written after its reply.
    this.#notifications = new AfterReplySink(this.ws);
    this.notifier = new Notifier(this.#notifications);
    this.cameras.on('change', (camera, previous) => {
      const view = cameraView(camera, this.streamUrls(camera.id));
      const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
      const capabilityChange = !same(previous?.mode, camera.mode) || !same(previous?.capabilities, camera.capabilities);
      if (previous?.status !== camera.status || capabilityChange) this.notifier.broadcast('camera_status_update', view);
      if (previous?.status !== camera.status) {
        if (camera.status === 'CONNECTED') this.notifier.publish('camera.connected', view, camera.id);
        else if (camera.status === 'DISCONNECTED') this.notifier.publish('camera.disconnected', view, camera.id);
        this.notifier.publish('camera.status_change', { ...view, previous_status: previous?.status ?? null }, camera.id);
      }
    });
    this.discovery?.on('capability_detected', (c) => {
      const caps = c.capabilities ?? { formats: [], resolutions: [], fps_options: [] };
      this.notifier.publish('camera.capability_detected', { ...cameraView(c, this.streamUrls(c.id)), ...caps, frame_rates: caps.fps_options }, c.id);
    });
    this.discovery?.on('capability_error', (c, reason) => this.notifier.publish('camera.capability_error', { ...cameraView(c, this.streamUrls(c.id)), error: reason }, c.id));
    this.settings.on('rejected', (c, reason, details) =>
      this.notifier.publish('camera.capability_error', { ...cameraView(c, this.streamUrls(c.id)), error: reason, rejected: details }, c.id),
    );
    this.settings.on('changed', (change) => this.notifier.publish('camera.settings_changed', { ...change }, change.device));
    this.api.providers.cameraMonitor = () => (!this.discovery?.active ? 'STOPPED' : this.discovery.enumerated ? 'RUNNING' : 'STARTING');
    this.api.providers.recordingMetrics = () => this.media.figures();
    registerMediaMetrics(this.metrics.registry, this.media);
    this.api.providers.streamMetrics = async () => {
      const paths = await this.streaming.streams.recentPaths().catch(() => new Map<string, PathInfo>());
      const cameraPaths = [...paths.values()].filter((p) => this.cameras.get(p.name));
      return {
        active_streams: cameraPaths.filter((p) => p.available).length,
        total_streams: cameraPaths.length,
        total_viewers: cameraPaths.reduce((n, p) => n + p.readers.length, 0),
      };
    };
    this.api.providers.cameraMetrics = () =>
      Object.fromEntries(
        this.cameras.list().map((c) => {
          const sup = this.streaming.streams.publisher(c.id).supervisor;
          return [c.id, { status: c.status, streaming: sup?.running ?? false, fps: sup?.progress?.fps ?? 0, ffmpeg_restarts: sup?.restarts ?? 0 }];
        }),
      );
    const streams = this.streaming.streams;
    this.paths.on('restored', () => void streams.retryBackedOff());
    // Some drivers reset controls when streaming starts: put the saved values back.
    streams.on('spawned', (id) => {
      if (this.cameras.get(id)?.kind === 'v4l2') void this.settings.reapply(id, 'reapplied_after_publisher_start');
    });
    streams.on('started', (id, info) => this.notifier.publish('stream.started', { stream_name: id, template: info.template, pid: info.pid }, id));
    streams.on('stopped', (id, reason) => this.notifier.publish('stream.stopped', { stream_name: id, reason }, id));
    const streamMetrics = registerStreamMetrics(this.metrics.registry, this.cameras, streams);
    streams.on('crash', (id, exit) => {
      this.metrics.ffmpegRestarts.inc({ camera: id });
      streamMetrics.exits.inc({ camera: id, code: exit.signal ?? String(exit.code) });
      this.notifier.publish('stream.error', { stream_name: id, error: exit.summary, exit_code: exit.code, signal: exit.signal }, id);
    });
    this.#routes();
  }

  /** Loads the MQTT bridge (only now: nothing of MQTT is loaded while mqtt.url is empty) and starts it. */
  async #startMqtt(): Promise<void> {
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

  streamUrls(id: string) {
    const { public_host: host } = this.config.server;
    const { rtsp_port, hls_port, webrtc_port } = this.config.mediamtx;
    return {
      rtsp: `rtsp://${host}:${rtsp_port}/${id}`,
      hls: hls_port ? `http://${host}:${hls_port}/${id}/index.m3u8` : '',
      webrtc: webrtc_port ? `http://${host}:${webrtc_port}/${id}/whep` : '',
    };
  }

  #systemStatus() {
    const available = this.cameras.list().filter((c) => c.status === 'CONNECTED').map((c) => c.id);
    const discovery_active = this.discovery?.active ?? false;
    if (!this.#started) return { status: 'starting' as const, message: 'the service is starting', available_cameras: available, discovery_active };
    if (!this.reachability.up) return { status: 'partial' as const, message: 'MediaMTX is not reachable', available_cameras: available, discovery_active };
    if (this.discovery && !this.discovery.enumerated) return { status: 'partial' as const, message: 'camera discovery is still probing the devices present at start', available_cameras: available, discovery_active };
    return { status: 'ready' as const, message: 'the service is ready', available_cameras: available, discovery_active };
  }

  #routes(): void {
    const auth = (req: IncomingMessage, res: ServerResponse) => this.api.auth.requireHttp(req, res);
    const { health_access: health, metrics_access: metrics } = this.config.server;
    this.http
      .route({ path: '/health/live', methods: ['GET', 'HEAD'], handler: guarded(health, (_q, res) => sendJson(res, 200, { status: 'alive' }), auth) })
      .route({
        path: '/health/ready',
        methods: ['GET', 'HEAD'],
        handler: guarded(health, (_q, res) => {
          if (!this.#started) return sendJson(res, 503, { status: 'not_ready', reason: 'the service is starting' });
          if (!this.reachability.up)
            return sendJson(res, 503, { status: 'not_ready', reason: `MediaMTX API is not reachable: ${this.reachability.lastError ?? 'no answer yet'}` });
          return sendJson(res, 200, { status: 'ready' });
        }, auth),
      })
      .route(this.streaming.demand.route())
      .route(this.media.fileRoute((req) => this.api.auth.authenticateHttp(req)))
      .route(this.api.openRpcRoute())
      .route({
        path: '/metrics',
        methods: ['GET'],
        handler: guarded(metrics, async (_q, res) => {
          const text = await this.metrics.registry.metrics();
          res.writeHead(200, { 'content-type': this.metrics.registry.contentType });
          res.end(text);
        }, auth),
      });
    if (this.config.server.console) {
      for (const r of consoleRoutes({ dir: join(ROOT, 'dist', 'console'), webrtcPort: this.config.mediamtx.webrtc_port, publicHost: this.config.server.public_host, websocketPath: this.config.server.websocket_path })) this.http.route(r);
    }
  }

  /** Starts MediaMTX (managed mode) and the listener; resolves once the service is ready or degraded. */
  async start(): Promise<void> {
    if (this.managed) {
      const spawnFailed = new Promise<Error>((resolve) => this.managed!.once('spawn_error', resolve));
      await this.managed.start();
      this.reachability.start();
      const outcome = await Promise.race([this.reachability.waitUntilUp(15000).then(() => undefined, (err: Error) => err), spawnFailed]);
      if (outcome && !this.reachability.up) {
        if (this.managed.failed) throw new Error(`MediaMTX could not be started: ${outcome.message} (set mediamtx.binary or MEDIAMTX_BIN, or run scripts/provision-mediamtx.sh)`);
        this.log.error({ err: outcome.message }, 'MediaMTX is not up; continuing, /health/ready reports it');
      }
    } else {
      this.reachability.start();
      await this.reachability.waitUntilUp(3000).catch((err: Error) => this.log.warn({ err: err.message }, 'external MediaMTX is not reachable yet'));
    }
    // First enumeration of V4L2 devices before the listener, so clients see them at once.
    await this.discovery?.start();
    for (const spec of this.config.test_cameras.patterns) this.testPatterns.add(spec);
    if (this.config.test_cameras.when_no_hardware && !this.cameras.list().some((c) => c.kind === 'v4l2' && c.status === 'CONNECTED')) {
      const id = this.testPatterns.add({ name: 'demo' });
      this.log.info({ camera: id }, 'no V4L2 camera found: added the test-pattern camera "demo"');
    }
    await this.media.start();
    this.ws.attach(this.http.server);
    const addr = await this.http.listen(this.config.server.port, this.config.server.host);
    this.port = addr.port;
    // Paths carry the on-demand hook command, which needs the listener's port.
    await this.streaming.streams.start();
    await this.external.start();
    this.paths.start();
    this.#started = true;
    this.api.start();
    if (this.config.mqtt.url !== '') await this.#startMqtt();
    this.log.info({ host: addr.address, port: addr.port, path: this.config.server.websocket_path }, 'service ready');
  }

  /** Graceful stop; safe to call more than once. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#started = false;
      this.log.info('stopping');
      this.discovery?.stop();
      this.api.stopping();
      // Recordings end (finalized, STOPPED sent) while clients are still connected.
      await this.media.close();
      // After the recordings' final notifications, before the API and notifier go.
      await this.mqtt?.stop();
      this.streaming.demand.closeAll();
      this.#notifications.flush();
      await Promise.all([this.ws.close(1001), this.streaming.streams.close()]);
      await this.http.close();
      this.paths.stop();
      this.external.stop();
      this.reachability.stop();
      await this.managed?.stop();
      this.mediamtxApi.close();
      this.api.stopped();
      this.log.info('stopped');
    })();
    return this.#stopping;
  }
}
