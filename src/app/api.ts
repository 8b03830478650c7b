/**
 * The API: authentication, OpenRPC, health and metrics (ApiSurface), the JSON-RPC
 * dispatcher, the HTTP listener with the WebSocket server, and the routes every service
 * has (/health/*, /openrpc.json, /metrics). Two modules: `listener` (mounts every route the
 * capabilities registered and listens; stops last of the API) and `api` (marks the service
 * started: readiness, key store, health watch; its drain marks it stopping).
 */
import { statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { guarded } from '../api/http-access.js';
import { HttpServer, sendJson } from '../api/http-server.js';
import { eventMethods } from '../api/methods/events.js';
import { systemMethods } from '../api/methods/system.js';
import { Dispatcher } from '../api/rpc/dispatcher.js';
import { ApiSurface, wsLimitsOf } from '../api/surface.js';
import { RpcWebSocketServer } from '../api/ws-server.js';
import type { Module } from '../core/lifecycle.js';
import type { DiscoveryService } from '../discovery/service.js';
import type { MediaMtxReachability } from '../mediamtx/reachability.js';
import { packageVersion, type Core } from './core.js';

export interface Api {
  surface: ApiSurface;
  dispatcher: Dispatcher;
  http: HttpServer;
  ws: RpcWebSocketServer;
  /** The HTTP listener and the WebSocket server. */
  listener: Module;
  /** Readiness, the API key store and the health watch. */
  module: Module;
}

export function wireApi(core: Core, reachability: MediaMtxReachability, discovery: () => DiscoveryService | undefined): Api {
  const { config, log, metrics, cameras } = core;
  let started = false;
  const surface = new ApiSurface({
    config,
    log: log.child({ module: 'api' }),
    version: packageVersion(),
    cameras,
    reachability,
    sessions: () => ws.sessions(),
    wsState: () => ws.state,
    notifier: () => core.notifier,
    inFlight: () => dispatcher.inFlight,
    providers: core.providers,
  });

  const systemStatus = () => {
    const available = cameras.list().filter((c) => c.status === 'CONNECTED').map((c) => c.id);
    const d = discovery();
    const discovery_active = d?.active ?? false;
    if (!started) return { status: 'starting' as const, message: 'the service is starting', available_cameras: available, discovery_active };
    if (!reachability.up) return { status: 'partial' as const, message: 'MediaMTX is not reachable', available_cameras: available, discovery_active };
    if (d && !d.enumerated) return { status: 'partial' as const, message: 'camera discovery is still probing the devices present at start', available_cameras: available, discovery_active };
    return { status: 'ready' as const, message: 'the service is ready', available_cameras: available, discovery_active };
  };
  core.methods.add(
    ...systemMethods({
      authenticate: (token) => surface.auth.authenticate(token),
      serverInfo: {
        name: 'camera-service',
        version: packageVersion(),
        build_date: statSync(fileURLToPath(import.meta.url)).mtime.toISOString(),
        capabilities: ['json-rpc-2.0', 'websocket-notifications', 'jwt-auth', 'api-key-auth', 'openrpc', 'mediamtx'],
        supported_formats: ['fmp4', 'mp4', 'mkv', 'jpg', 'png'],
        max_cameras: 64,
      },
      systemStatus,
    }),
    ...eventMethods({ sessions: () => ws.sessions() }),
  );
  // rpc.discover and get_status/get_metrics; the OpenRPC document covers every registered method.
  core.methods.add(...surface.methods(core.methods));

  const dispatcher = new Dispatcher(core.methods, {
    onCall: (method, outcome, seconds) => metrics.rpcDuration.observe({ method, outcome }, seconds),
    onInternalError: (method, requestId, err) => log.error({ method, requestId, err }, 'internal error in method'),
    onDependencyError: (method, requestId, err) => log.warn({ method, requestId, data: err.data }, 'dependency failed'),
  }, Date.now, { maxBatch: config.limits.max_batch_requests, maxBatchUnauthenticated: config.limits.unauthenticated_max_batch_requests });
  const http = new HttpServer((err) => log.error({ err }, 'http handler failed'), core.tls);
  const ws = new RpcWebSocketServer({
    path: config.server.websocket_path,
    maxPayload: config.server.max_payload_bytes,
    heartbeatMs: config.server.heartbeat_interval_s * 1000,
    dispatcher,
    metrics,
    log: log.child({ module: 'ws' }),
    limits: wsLimitsOf(config.limits),
    replyPending: () => core.notifications.replyPending(),
  });
  core.deliverNotificationsTo(ws);

  const auth = (req: IncomingMessage, res: ServerResponse) => surface.auth.requireHttp(req, res);
  const { health_access: health, metrics_access: metricsAccess } = config.server;
  core.routes.push(
    { path: '/health/live', methods: ['GET', 'HEAD'], handler: guarded(health, (_q, res) => sendJson(res, 200, { status: 'alive' }), auth) },
    {
      path: '/health/ready',
      methods: ['GET', 'HEAD'],
      handler: guarded(health, (_q, res) => {
        if (!started) return sendJson(res, 503, { status: 'not_ready', reason: 'the service is starting' });
        if (!reachability.up) return sendJson(res, 503, { status: 'not_ready', reason: `MediaMTX API is not reachable: ${reachability.lastError ?? 'no answer yet'}` });
        return sendJson(res, 200, { status: 'ready' });
      }, auth),
    },
    surface.openRpcRoute(),
    {
      path: '/metrics',
      methods: ['GET'],
      handler: guarded(metricsAccess, async (_q, res) => {
        const text = await metrics.registry.metrics();
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(text);
      }, auth),
    },
  );

  const listener: Module = {
    name: 'listener',
    async start() {
      for (const r of core.routes) http.route(r);
      ws.attach(http.server);
      const addr = await http.listen(config.server.port, config.server.host);
      core.port = addr.port;
    },
    async stop() {
      core.notifications.flush();
      await ws.close(1001);
      await http.close();
    },
  };
  const module: Module = {
    name: 'api',
    start() {
      started = true;
      surface.start();
    },
    drain() {
      started = false;
      surface.stopping();
    },
    stop: () => surface.stopped(),
  };
  return { surface, dispatcher, http, ws, listener, module };
}
