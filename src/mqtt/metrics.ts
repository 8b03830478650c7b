/** Prometheus metrics of the MQTT bridge (registered only when the bridge exists). */
import { Counter, Gauge, type Registry } from '../lib/deps/prom-client.js';
import { METRIC_PREFIX } from '../observability/metrics.js';

export function registerMqttMetrics(registry: Registry) {
  const registers = [registry];
  return {
    connected: new Gauge({ name: `${METRIC_PREFIX}mqtt_connected`, help: '1 while the MQTT bridge is connected to the broker', registers }),
    connects: new Counter({ name: `${METRIC_PREFIX}mqtt_connects_total`, help: 'Successful connections to the MQTT broker (the first and every reconnect)', registers }),
    published: new Counter({ name: `${METRIC_PREFIX}mqtt_published_total`, help: 'Messages handed to the MQTT client, by kind', labelNames: ['kind'] as const, registers }),
    dropped: new Counter({ name: `${METRIC_PREFIX}mqtt_dropped_events_total`, help: 'Events dropped from the offline queue (full while the broker was unreachable; oldest first)', registers }),
    queued: new Gauge({ name: `${METRIC_PREFIX}mqtt_queued_events`, help: 'Events waiting for the broker connection', registers }),
    commands: new Counter({ name: `${METRIC_PREFIX}mqtt_commands_total`, help: 'Commands received over MQTT, by command and outcome', labelNames: ['command', 'outcome'] as const, registers }),
  };
}
export type MqttMetrics = ReturnType<typeof registerMqttMetrics>;
