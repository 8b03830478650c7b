/**
 * The small shared core every capability registers into: JSON-RPC methods, HTTP routes,
 * notifications, health and metrics providers, Prometheus metrics, and the camera registry
 * most capabilities read. The composition root (src/app.ts) builds one and hands it to each
 * capability's wiring (src/app/*.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Route } from '../api/http-server.js';
import { AfterReplySink, Notifier, type NotificationSink } from '../api/notifications.js';
import { defaultProviders, type ApiProviders } from '../api/providers.js';
import { MethodRegistry } from '../api/rpc/registry.js';
import { CameraRegistry } from '../cameras/registry.js';
import type { Config } from '../config/schema.js';
import { loadServerTls, type ServerTlsMaterial } from '../config/tls-check.js';
import { streamUrls } from '../lib/net.js';
import type { Logger } from '../observability/logger.js';
import { Metrics } from '../observability/metrics.js';

/** The checkout (or installed tree) root: dist/src/app/ is three levels below it. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

export interface StreamUrls {
  rtsp: string;
  hls: string;
  webrtc: string;
}

export interface Core {
  readonly config: Config;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly cameras: CameraRegistry;
  /** Every JSON-RPC method the API serves (and rpc.discover documents). */
  readonly methods: MethodRegistry;
  /** HTTP routes, mounted on the listener in registration order. */
  readonly routes: Route[];
  /** Routes for the service's own processes (the on-demand hook, MediaMTX's auth hook): served only by the loopback internal listener, never the API port. */
  readonly internalRoutes: Route[];
  /** server.tls_* read and checked (undefined: plain HTTP). */
  readonly tls: ServerTlsMaterial | undefined;
  /** Notifications to clients (while a reply is pending, written after it; else at once). */
  readonly notifier: Notifier;
  /** Figures and states the API's get_status/get_metrics read from other capabilities. */
  readonly providers: ApiProviders;
  /** The queue of notifications waiting for the current replies (flushed at stop). */
  readonly notifications: AfterReplySink;
  /** Where notifications go (the WebSocket server, once it exists). */
  deliverNotificationsTo(sink: NotificationSink): void;
  /** The listener's port (0 until it listens). */
  port: number;
  /** The internal listener's port on 127.0.0.1 (0 until it listens; it starts first, before MediaMTX's config is written). */
  internalPort: number;
  streamUrls(id: string): StreamUrls;
}

export function createCore(config: Config, log: Logger): Core {
  const tls = loadServerTls(config.server);
  if (!tls.ok) throw new Error(`invalid TLS configuration: ${tls.problems.join('; ')}`);
  let target: NotificationSink | undefined;
  // Replies first: notifications a method causes are written after its reply; others at once.
  const notifications = new AfterReplySink({ notify: (method, params, accept) => target?.notify(method, params, accept) ?? 0 });
  return {
    config,
    log,
    metrics: new Metrics(),
    cameras: new CameraRegistry(),
    methods: new MethodRegistry(),
    routes: [],
    internalRoutes: [],
    tls: tls.material,
    notifier: new Notifier(notifications),
    providers: defaultProviders(),
    notifications,
    deliverNotificationsTo: (sink) => void (target = sink),
    port: 0,
    internalPort: 0,
    streamUrls: (id) => streamUrls(config, id),
  };
}
