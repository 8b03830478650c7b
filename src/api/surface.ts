/**
 * The API's cross-cutting parts, built once by the composition root: authentication (JWT and
 * API keys, with revocation of open sessions), the OpenRPC document (`rpc.discover`,
 * `GET /openrpc.json`), health (`get_status`, `system_health_update`), figures
 * (`get_metrics`), and the connection and request limits handed to the WebSocket server.
 */
import { readFileSync } from 'node:fs';
import type { CameraRegistry } from '../cameras/registry.js';
import type { Config } from '../config/schema.js';
import type { MediaMtxReachability } from '../mediamtx/reachability.js';
import type { Logger } from '../observability/logger.js';
import { Authenticator } from './auth/authenticator.js';
import { JwtVerifier } from './auth/jwt.js';
import { ApiKeyStore } from './auth/key-store.js';
import { HealthMonitor, mediamtxState, type Components, type HealthSnapshot } from './health/status.js';
import { SystemSampler } from './health/system-metrics.js';
import { sendJson, type Route } from './http-server.js';
import { adminMethods, type MetricsResult } from './methods/admin.js';
import { discoverMethods } from './methods/discover.js';
import type { Notifier } from './notifications.js';
import { buildOpenRpc, type OpenRpcDocument } from './openrpc.js';
import { defaultProviders, type ApiProviders } from './providers.js';
import type { MethodDef, MethodRegistry } from './rpc/registry.js';
import type { Session } from './session.js';
import type { WsLimits } from './limits/connection-gate.js';
import type { ServerState } from './ws-server.js';

export interface ApiSurfaceDeps {
  config: Config;
  log: Logger;
  version: string;
  cameras: CameraRegistry;
  reachability: MediaMtxReachability;
  /** Every open session (revocation). */
  sessions(): Iterable<Session>;
  wsState(): ServerState;
  notifier(): Notifier;
  /** JSON-RPC calls being handled (part of get_metrics' `goroutines`). */
  inFlight(): number;
  /** Where other modules' figures come from (the composition root's shared set; defaults otherwise). */
  providers?: ApiProviders;
}

export type Phase = 'starting' | 'running' | 'stopping' | 'stopped';

/** The WebSocket limits from the `limits` config section. */
export function wsLimitsOf(l: Config['limits']): WsLimits {
  return {
    maxConnections: l.max_connections,
    maxConnectionsPerIp: l.max_connections_per_ip,
    allowedOrigins: l.allowed_origins,
    requestsPerSecond: l.requests_per_second,
    requestBurst: l.request_burst,
    unauthenticatedTimeoutMs: l.unauthenticated_timeout_s * 1000,
    sendBufferLimit: l.send_buffer_limit_bytes,
    maxUnauthenticated: l.max_unauthenticated_connections,
    maxUnauthenticatedPerIp: l.max_unauthenticated_per_ip,
    // A client has at least a second (or half its timeout) to authenticate before a newcomer may displace it.
    evictAfterMs: Math.min(1000, (l.unauthenticated_timeout_s * 1000) / 2),
    unauthenticatedMaxMessage: l.unauthenticated_max_message_bytes,
  };
}

export class ApiSurface {
  /** Filled in by other modules' wiring (see providers.ts). */
  readonly providers: ApiProviders;
  readonly keys: ApiKeyStore;
  readonly auth: Authenticator;
  readonly health: HealthMonitor;
  readonly #sampler = new SystemSampler();
  #registry: MethodRegistry | undefined;
  #document: { size: number; doc: OpenRpcDocument } | undefined;
  #phase: Phase = 'starting';
  #mediamtxEverUp = false;

  constructor(private readonly d: ApiSurfaceDeps) {
    this.providers = d.providers ?? defaultProviders();
    const sec = d.config.security;
    let publicKeyPem: string | undefined;
    if (sec.jwt_public_key_file !== '') {
      try {
        publicKeyPem = readFileSync(sec.jwt_public_key_file, 'utf8');
      } catch (err) {
        d.log.error({ err: (err as Error).message }, 'security.jwt_public_key_file cannot be read; asymmetric tokens will be rejected');
      }
    }
    this.keys = ApiKeyStore.inStateDir(d.config.storage.state_path);
    this.auth = new Authenticator(new JwtVerifier(sec.jwt_secret, sec.jwt_algorithms, publicKeyPem, sec.jwt_max_lifetime_s), this.keys);
    this.keys.on('change', () => {
      const ended = this.auth.endRevokedSessions(d.sessions());
      d.log.info({ keys: this.keys.list().length, sessionsEnded: ended }, 'API key store changed');
    });
    this.keys.on('error', (err) => d.log.error({ err: err.message }, 'API key store'));
    d.reachability.on('up', () => {
      this.#mediamtxEverUp = true;
      this.health.check();
    });
    d.reachability.on('down', () => this.health.check());
    this.health = new HealthMonitor(
      () => this.components(),
      (snap, previous) => this.#healthChanged(snap, previous),
    );
  }

  /** The methods this module serves; `registry` is the one they are added to (for rpc.discover). */
  methods(registry: MethodRegistry): MethodDef[] {
    this.#registry = registry;
    return [
      ...discoverMethods({ document: () => this.document() }),
      ...adminMethods({
        version: this.d.version,
        uptime: () => Math.round(process.uptime() * 1000) / 1000,
        health: () => this.health.current(),
        metrics: () => this.metrics(),
      }),
    ];
  }

  /** The OpenRPC document of every registered method (rebuilt when methods were added). */
  document(): OpenRpcDocument {
    const methods = this.#registry?.list() ?? [];
    if (this.#document?.size !== methods.length) {
      this.#document = {
        size: methods.length,
        doc: buildOpenRpc(methods, {
          title: 'camera-service',
          version: this.d.version,
          description: 'JSON-RPC 2.0 over WebSocket (default ws://<host>:8002/ws). Params are passed by name; see docs/api.md.',
        }),
      };
    }
    return this.#document.doc;
  }

  openRpcRoute(): Route {
    return { path: '/openrpc.json', methods: ['GET', 'HEAD'], handler: (_q, res) => sendJson(res, 200, this.document()) };
  }

  components(): Components {
    return {
      websocket_server: this.d.wsState(),
      camera_monitor: this.providers.cameraMonitor(),
      mediamtx: mediamtxState({ reachable: this.d.reachability.up, everReachable: this.#mediamtxEverUp, phase: this.#phase }),
    };
  }

  async metrics(): Promise<MetricsResult> {
    const p = this.providers;
    const [disk, perCamera, streams, recordings] = await Promise.all([
      this.#sampler.diskUsage(this.d.config.storage.recordings_path),
      p.cameraMetrics?.() ?? {},
      p.streamMetrics?.() ?? { active_streams: 0, total_streams: 0, total_viewers: 0 },
      p.recordingMetrics?.() ?? { active_recordings: 0 },
    ]);
    const cameras: Record<string, Record<string, unknown>> = {};
    let connected = 0;
    for (const c of this.d.cameras.list()) {
      if (c.status === 'CONNECTED') connected++;
      cameras[c.id] = { ...perCamera[c.id], status: c.status, name: c.name };
    }
    return {
      timestamp: new Date().toISOString(),
      system_metrics: {
        cpu_usage: this.#sampler.cpuUsage(),
        memory_usage: this.#sampler.memoryUsage(),
        disk_usage: disk,
        goroutines: this.#sampler.activeResources() + this.d.inFlight(),
      },
      camera_metrics: { connected_cameras: connected, cameras },
      recording_metrics: recordings,
      stream_metrics: streams,
    };
  }

  #healthChanged(snap: HealthSnapshot, previous: HealthSnapshot | undefined): void {
    this.d.log.info({ status: snap.status, components: snap.components, previous: previous?.status }, 'service health changed');
    const notifier = this.d.notifier();
    notifier.publish('system_health_update', { status: snap.status, components: snap.components });
    notifier.publish('system.health', { status: snap.status, components: snap.components, previous_status: previous?.status ?? null });
  }

  /** Loads the key store and starts watching it and the service's health. */
  start(): void {
    try {
      this.keys.loadAtStart(this.d.log);
    } catch (err) {
      this.d.log.error({ err: (err as Error).message }, 'API key store cannot be read; no API key is accepted until it is fixed');
    }
    try {
      this.keys.watch();
    } catch (err) {
      this.d.log.error({ err: (err as Error).message }, 'API key store cannot be watched');
    }
    this.#phase = 'running';
    this.health.start();
  }

  /** Marks the service as stopping (health reports it) and stops watching. */
  stopping(): void {
    this.#phase = 'stopping';
    this.health.check();
    this.health.stop();
    this.keys.close();
  }

  stopped(): void {
    this.#phase = 'stopped';
  }
}
