/**
 * Service health for `get_status`: the measured state of each component and the overall
 * status derived from them by fixed rules (HEALTH_RULES, also in docs/api.md). A monitor
 * re-evaluates on a timer and when told something changed, and reports each change once.
 */

export const COMPONENT_STATES = ['RUNNING', 'STOPPED', 'ERROR', 'STARTING', 'STOPPING'] as const;
export type ComponentState = (typeof COMPONENT_STATES)[number];
export const HEALTH_STATUSES = ['HEALTHY', 'DEGRADED', 'UNHEALTHY'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

export interface Components {
  websocket_server: ComponentState;
  camera_monitor: ComponentState;
  mediamtx: ComponentState;
}

export interface HealthSnapshot {
  status: HealthStatus;
  components: Components;
}

export const HEALTH_RULES = [
  'UNHEALTHY when the WebSocket server is not RUNNING, or MediaMTX is ERROR or STOPPED (no camera can be streamed);',
  'DEGRADED when any other component is not RUNNING (MediaMTX STARTING or STOPPING, the camera monitor STARTING, STOPPING, STOPPED or ERROR);',
  'HEALTHY when every component is RUNNING.',
] as const;

export function overallHealth(c: Components): HealthStatus {
  if (c.websocket_server !== 'RUNNING' || c.mediamtx === 'ERROR' || c.mediamtx === 'STOPPED') return 'UNHEALTHY';
  if (c.camera_monitor !== 'RUNNING' || c.mediamtx !== 'RUNNING') return 'DEGRADED';
  return 'HEALTHY';
}

/** MediaMTX as a component: measured from the API's reachability and the service's own phase. */
export function mediamtxState(s: { reachable: boolean; everReachable: boolean; phase: 'starting' | 'running' | 'stopping' | 'stopped' }): ComponentState {
  if (s.phase === 'stopped') return 'STOPPED';
  if (s.reachable) return s.phase === 'stopping' ? 'STOPPING' : 'RUNNING';
  if (s.phase === 'stopping') return 'STOPPING';
  return s.everReachable || s.phase === 'running' ? 'ERROR' : 'STARTING';
}

export class HealthMonitor {
  #last: string | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly read: () => Components,
    private readonly onChange: (snapshot: HealthSnapshot, previous: HealthSnapshot | undefined) => void,
    private readonly intervalMs = 1000,
  ) {}

  current(): HealthSnapshot {
    const components = this.read();
    return { status: overallHealth(components), components };
  }

  /** Evaluates now; calls onChange when the snapshot differs from the last one reported. */
  check(): HealthSnapshot {
    const snap = this.current();
    const key = JSON.stringify(snap);
    if (key !== this.#last) {
      const previous = this.#last === undefined ? undefined : (JSON.parse(this.#last) as HealthSnapshot);
      this.#last = key;
      if (previous !== undefined) this.onChange(snap, previous);
    }
    return snap;
  }

  start(): void {
    this.check();
    this.#timer ??= setInterval(() => this.check(), this.intervalMs).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
