/** get_status and get_metrics: measured service health and figures (admin). */
import { t, type JsonSchema } from '../../lib/schema.js';
import { COMPONENT_STATES, HEALTH_RULES, HEALTH_STATUSES, type HealthSnapshot } from '../health/status.js';
import { defineMethod, type MethodDef } from '../rpc/registry.js';

export interface MetricsResult {
  timestamp: string;
  system_metrics: { cpu_usage: number; memory_usage: number; disk_usage: number; goroutines: number };
  camera_metrics: { connected_cameras: number; cameras: Record<string, Record<string, unknown>> };
  recording_metrics: { active_recordings: number; [field: string]: unknown };
  stream_metrics: { active_streams: number; total_streams: number; total_viewers: number };
}

export interface AdminDeps {
  version: string;
  /** Seconds the service has been running. */
  uptime(): number;
  health(): HealthSnapshot;
  metrics(): Promise<MetricsResult>;
}

const componentState = t.enum(COMPONENT_STATES);
const percent = (what: string) => t.number({ minimum: 0, maximum: 100, description: `${what}, percent` });
const openObject = (properties: Record<string, JsonSchema>, description: string): JsonSchema => ({
  type: 'object',
  properties,
  required: Object.keys(properties),
  additionalProperties: true,
  description,
});

export const healthSchema = t.object({
  status: t.enum(HEALTH_STATUSES, { description: HEALTH_RULES.join(' ') }),
  components: t.object({ websocket_server: componentState, camera_monitor: componentState, mediamtx: componentState }),
});

export function adminMethods(deps: AdminDeps): MethodDef[] {
  return [
    defineMethod({
      name: 'get_status',
      minRole: 'admin',
      summary: 'Overall health and the measured state of each component.',
      description: `Components are measured, never assumed: \`websocket_server\` from the listener, \`mediamtx\` from its API's reachability, \`camera_monitor\` from discovery. Status: ${HEALTH_RULES.join(' ')} Subscribers of \`system_health_update\` (and \`system.health\`) are notified when this result changes.`,
      params: t.object({}),
      result: t.object({
        status: healthSchema.properties!.status!,
        uptime: t.number({ minimum: 0, description: 'seconds since the service started' }),
        version: t.string(),
        components: healthSchema.properties!.components!,
      }),
      handler: () => {
        const h = deps.health();
        return { status: h.status, uptime: deps.uptime(), version: deps.version, components: h.components };
      },
    }),
    defineMethod({
      name: 'get_metrics',
      minRole: 'admin',
      summary: 'Host, camera, stream and recording figures.',
      description:
        'CPU, memory and disk use are read from the OS (percent; CPU over the interval between two samples, disk of the recordings file system). `goroutines` keeps its name for older clients and counts in-flight async operations: libuv handles and requests in use plus JSON-RPC calls being handled. The OS figures and the handle count are sampled at most once a second, so calls within the same second share them. Stream and recording figures are zero until those modules report.',
      params: t.object({}),
      result: t.object({
        timestamp: t.string({ description: 'ISO 8601 UTC' }),
        system_metrics: t.object({
          cpu_usage: percent('CPU use of all cores'),
          memory_usage: percent('memory in use'),
          disk_usage: percent('disk use of the recordings file system'),
          goroutines: t.integer({ minimum: 0, description: 'in-flight async operations' }),
        }),
        camera_metrics: t.object({
          connected_cameras: t.integer({ minimum: 0 }),
          cameras: t.record(openObject({ status: t.string(), name: t.string() }, 'per camera id'), { description: 'by camera id' }),
        }),
        recording_metrics: openObject({ active_recordings: t.integer({ minimum: 0 }) }, 'figures of the recording module'),
        stream_metrics: t.object({
          active_streams: t.integer({ minimum: 0 }),
          total_streams: t.integer({ minimum: 0 }),
          total_viewers: t.integer({ minimum: 0 }),
        }),
      }),
      handler: () => deps.metrics(),
    }),
  ];
}
