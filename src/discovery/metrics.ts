/** Discovery's Prometheus metrics (registered on the service's registry, `camera_service_` prefix). */
import { Counter, Gauge, Histogram, type Registry } from '../lib/deps/prom-client.js';
import { METRIC_PREFIX } from '../observability/metrics.js';

export class DiscoveryMetrics {
  /** Event seen (udev/inotify) → the camera's status notification written to the sockets. */
  readonly detectionLatency: Histogram<'source' | 'change'>;
  readonly probeDuration: Histogram<'outcome'>;
  readonly rescans: Counter<'result'>;
  readonly rescanDiscrepancies: Counter<'kind'>;
  readonly monitorRestarts: Counter;
  readonly connected: Gauge;

  constructor(registry: Registry, connectedCount: () => number) {
    const registers = [registry];
    this.detectionLatency = new Histogram({
      name: `${METRIC_PREFIX}discovery_detection_latency_seconds`,
      help: 'Hotplug event seen to camera_status_update written, by event source (udev, inotify, rescan, idle: a loopback writer fell silent, probe: a probe found the node gone) and change (connected, disconnected)',
      labelNames: ['source', 'change'] as const,
      buckets: [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
      registers,
    });
    this.probeDuration = new Histogram({
      name: `${METRIC_PREFIX}discovery_probe_duration_seconds`,
      help: 'v4l2-ctl --info --list-formats-ext run time by outcome (ok, permission, gone, timeout, failed, parse)',
      labelNames: ['outcome'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.rescans = new Counter({
      name: `${METRIC_PREFIX}discovery_rescans_total`,
      help: 'Periodic rescans by result: clean, or repaired (found a discrepancy with what events had reported)',
      labelNames: ['result'] as const,
      registers,
    });
    this.rescanDiscrepancies = new Counter({
      name: `${METRIC_PREFIX}discovery_rescan_discrepancies_total`,
      help: 'Discrepancies a rescan repaired: missed_add, missed_remove, replaced (node reused by another device), capabilities_changed',
      labelNames: ['kind'] as const,
      registers,
    });
    this.monitorRestarts = new Counter({
      name: `${METRIC_PREFIX}discovery_udev_monitor_restarts_total`,
      help: 'Unexpected exits of the udevadm monitor child (it is restarted; inotify covers the gap)',
      registers,
    });
    this.connected = new Gauge({
      name: `${METRIC_PREFIX}discovery_cameras_connected`,
      help: 'V4L2 cameras currently CONNECTED',
      registers,
      collect() {
        this.set(connectedCount());
      },
    });
  }
}
