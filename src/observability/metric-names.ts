/**
 * The metric families the service exports (or is to export) on /metrics: the contract between
 * the code, the Prometheus alert rules (deploy/prometheus/) and the Grafana dashboard
 * (deploy/grafana/). Tests check that every metric the rules and the dashboard query is listed
 * here, and that what a running daemon exposes matches each entry's type and labels (labels are
 * bounded: camera ids, method names, template names, small enums). A listed family that is not
 * exported, or an exported one that is not listed, fails that test; `from` names the module.
 */
export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricFamily {
  /** Full name, `camera_service_` prefix included (a counter's ends in `_total`). */
  name: string;
  type: MetricType;
  /** Label names (a histogram's `le` is implied). */
  labels: readonly string[];
  /** Module or issue that registers it. */
  from: string;
  /** Registered only under this configuration (a daemon without it does not export the family). */
  when?: string;
}

const f = (name: string, type: MetricType, labels: readonly string[], from: string, when?: string): MetricFamily => ({ name: `camera_service_${name}`, type, labels, from, ...(when ? { when } : {}) });

export const METRIC_FAMILIES: readonly MetricFamily[] = [
  // API (src/observability/metrics.ts, src/api)
  f('rpc_duration_seconds', 'histogram', ['method', 'outcome'], 'api'),
  f('websocket_connections', 'gauge', [], 'api'),
  f('websocket_connections_total', 'counter', [], 'api'),
  f('websocket_disconnects_total', 'counter', ['reason'], 'api'),
  f('websocket_subscriptions', 'gauge', [], 'api'),
  f('notification_fanout_duration_seconds', 'histogram', ['method'], 'api'),
  // MediaMTX
  f('mediamtx_up', 'gauge', [], 'mediamtx'),
  f('mediamtx_restarts_total', 'counter', [], 'mediamtx'),
  // Cameras and streaming (src/streaming/metrics.ts)
  f('camera_up', 'gauge', ['camera'], 'streaming'),
  f('stream_configured_fps', 'gauge', ['camera'], 'streaming'),
  f('stream_fps', 'gauge', ['camera'], 'streaming'),
  f('stream_active', 'gauge', ['camera'], 'streaming'),
  f('stream_template_info', 'gauge', ['camera', 'template'], 'streaming'),
  f('stream_readers', 'gauge', ['camera'], 'streaming'),
  f('stream_inbound_bytes', 'gauge', ['camera'], 'streaming'),
  f('stream_outbound_bytes', 'gauge', ['camera'], 'streaming'),
  f('ffmpeg_dropped_frames', 'gauge', ['camera'], 'streaming'),
  f('ffmpeg_duplicated_frames', 'gauge', ['camera'], 'streaming'),
  f('ffmpeg_restarts_total', 'counter', ['camera'], 'streaming'),
  f('ffmpeg_exits_total', 'counter', ['camera', 'code'], 'streaming'),
  // Discovery (src/discovery/metrics.ts)
  f('discovery_detection_latency_seconds', 'histogram', ['source', 'change'], 'discovery'),
  f('discovery_probe_duration_seconds', 'histogram', ['outcome'], 'discovery'),
  f('discovery_rescans_total', 'counter', ['result'], 'discovery'),
  f('discovery_rescan_discrepancies_total', 'counter', ['kind'], 'discovery'),
  f('discovery_udev_monitor_restarts_total', 'counter', [], 'discovery'),
  f('discovery_cameras_connected', 'gauge', [], 'discovery'),
  // Recording and storage
  f('recordings_active', 'gauge', [], 'media (issue 5): recording sessions running'),
  f('recording_bytes_total', 'counter', ['camera'], 'media (issue 5): bytes written to recordings'),
  f('storage_free_bytes', 'gauge', [], 'media (issue 5): free bytes on the recordings file system'),
  f('storage_total_bytes', 'gauge', [], 'media (issue 5): size of the recordings file system'),
  // The MQTT bridge (src/mqtt/metrics.ts; registered only when mqtt.url is set)
  f('mqtt_connected', 'gauge', [], 'mqtt', 'mqtt.url set'),
  f('mqtt_connects_total', 'counter', [], 'mqtt', 'mqtt.url set'),
  f('mqtt_published_total', 'counter', ['kind'], 'mqtt', 'mqtt.url set'),
  f('mqtt_dropped_events_total', 'counter', [], 'mqtt', 'mqtt.url set'),
  f('mqtt_queued_events', 'gauge', [], 'mqtt', 'mqtt.url set'),
  f('mqtt_commands_total', 'counter', ['command', 'outcome'], 'mqtt', 'mqtt.url set'),
  // The service's control group (src/observability/resource-metrics.ts)
  f('memory_usage_bytes', 'gauge', [], 'observability'),
  f('memory_limit_bytes', 'gauge', [], 'observability'),
  f('cpu_usage_seconds_total', 'counter', [], 'observability'),
  f('cpu_limit_cores', 'gauge', [], 'observability'),
  // prom-client's default metrics of the Node process (prefixed)
  f('process_cpu_seconds_total', 'counter', [], 'prom-client defaults'),
  f('process_resident_memory_bytes', 'gauge', [], 'prom-client defaults'),
  f('process_start_time_seconds', 'gauge', [], 'prom-client defaults'),
  f('nodejs_eventloop_lag_p99_seconds', 'gauge', [], 'prom-client defaults'),
  f('nodejs_heap_size_used_bytes', 'gauge', [], 'prom-client defaults'),
];

const SUFFIXES: Record<MetricType, readonly string[]> = { counter: [''], gauge: [''], histogram: ['_bucket', '_sum', '_count'] };

/**
 * The family a sample name (as written in PromQL) belongs to, e.g. `x_bucket` → histogram `x`;
 * undefined when no listed family has it.
 */
export function familyOfSample(sample: string): MetricFamily | undefined {
  return METRIC_FAMILIES.find((m) => SUFFIXES[m.type].some((s) => `${m.name}${s}` === sample));
}
