/** Prometheus metrics with the `camera_service_` prefix; modules register theirs on `registry`. */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from '../lib/deps/prom-client.js';
import { registerResourceMetrics } from './resource-metrics.js';

export const METRIC_PREFIX = 'camera_service_';

export class Metrics {
  readonly registry = new Registry();
  readonly rpcDuration = new Histogram({
    name: `${METRIC_PREFIX}rpc_duration_seconds`,
    help: 'JSON-RPC request duration by method and outcome',
    labelNames: ['method', 'outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly connections = new Gauge({
    name: `${METRIC_PREFIX}websocket_connections`,
    help: 'Open WebSocket connections',
    registers: [this.registry],
  });
  readonly connectionsTotal = new Counter({
    name: `${METRIC_PREFIX}websocket_connections_total`,
    help: 'WebSocket connections accepted',
    registers: [this.registry],
  });
  readonly disconnects = new Counter({
    name: `${METRIC_PREFIX}websocket_disconnects_total`,
    help: 'WebSocket connections closed, by reason (client_close, server_shutdown, heartbeat_timeout, slow_consumer, auth_timeout, oversize_message, invalid_utf8, protocol_error, error)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly fanout = new Histogram({
    name: `${METRIC_PREFIX}notification_fanout_duration_seconds`,
    help: 'Time to write one notification to every recipient, by notification method',
    labelNames: ['method'] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    registers: [this.registry],
  });
  readonly mediamtxUp = new Gauge({
    name: `${METRIC_PREFIX}mediamtx_up`,
    help: '1 when the MediaMTX API answers',
    registers: [this.registry],
  });
  readonly mediamtxRestarts = new Counter({
    name: `${METRIC_PREFIX}mediamtx_restarts_total`,
    help: 'MediaMTX restarts seen (managed child exits or a changed start time)',
    registers: [this.registry],
  });

  readonly ffmpegRestarts = new Counter({
    name: `${METRIC_PREFIX}ffmpeg_restarts_total`,
    help: 'FFmpeg publisher exits that were not requested (each is followed by a restart with backoff)',
    labelNames: ['camera'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
    registerResourceMetrics(this.registry, METRIC_PREFIX);
  }
}
