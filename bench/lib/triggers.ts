/**
 * Ways to make the server send a notification to many clients on demand, for the fan-out
 * scenario. Each trigger is a list of requests used in turn (e.g. add, then remove) so the
 * server's state is restored after an even number of events. The contract's fan-out is
 * `camera_status_update` to every authenticated client: first choice is a test-pattern camera
 * added and removed at run time (add_test_camera / remove_test_camera, an extension of this
 * service whose replies also carry the registry event's time); on servers without it, an
 * external stream pair, and last a stand-in that exercises the same serialize-once-write-to-all
 * path with a topic notification.
 */
import type { Caps } from './capabilities.js';
import type { RequestSpec } from './frames.js';

export interface Trigger {
  description: string;
  requests: RequestSpec[];
  /** Notification methods that count as receipt. */
  notifications: string[];
  /** Topics every client subscribes to first (empty: default notifications need none). */
  subscribe: string[];
  /** True when it is not the contract's camera_status_update fan-out. */
  standIn: boolean;
}

const BENCH_STREAM = 'rtsp://127.0.0.1:9/bench-fanout';
const BENCH_CAMERA = 'bench_fanout';

/** `method` or `method:{"json":"params"}`. */
export function parseTrigger(text: string): RequestSpec {
  const i = text.indexOf(':');
  if (i < 0) return { method: text };
  const params = JSON.parse(text.slice(i + 1)) as unknown;
  if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new Error(`--fanout-trigger params must be a JSON object: ${text}`);
  return { method: text.slice(0, i), params: params as Record<string, unknown> };
}

/** Triggers this server may support, best first; the scenario uses the first that notifies. */
export function candidates(caps: Caps, given: string[]): Trigger[] {
  if (given.length) {
    return [{ description: `given on the command line: ${given.join(' , ')}`, requests: given.map(parseTrigger), notifications: ['camera_status_update'], subscribe: [], standIn: false }];
  }
  const has = (...m: string[]) => m.every((x) => caps.methods.has(x));
  const out: Trigger[] = [];
  if (has('add_test_camera', 'remove_test_camera')) {
    out.push({
      description:
        `add_test_camera / remove_test_camera of "${BENCH_CAMERA}": the camera registry event → camera_status_update CONNECTED / DISCONNECTED ` +
        'to every authenticated client (the contract’s fan-out, the same path as a camera plugged in or pulled out)',
      requests: [
        { method: 'add_test_camera', params: { name: BENCH_CAMERA, width: 320, height: 240, fps: 15 } },
        { method: 'remove_test_camera', params: { name: BENCH_CAMERA } },
      ],
      notifications: ['camera_status_update'],
      subscribe: [],
      standIn: false,
    });
  }
  if (has('add_external_stream', 'remove_external_stream')) {
    out.push({
      description: 'add_external_stream / remove_external_stream of an RTSP URL nobody serves (the contract makes an external stream a camera-like entry)',
      requests: [
        { method: 'add_external_stream', params: { stream_url: BENCH_STREAM, stream_name: 'bench_fanout' } },
        { method: 'remove_external_stream', params: { stream_url: BENCH_STREAM } },
      ],
      notifications: ['camera_status_update'],
      subscribe: [],
      standIn: false,
    });
  }
  const camera = caps.cameras.find((c) => c.status === 'CONNECTED')?.device;
  if (camera && has('start_streaming', 'stop_streaming', 'subscribe_events')) {
    out.push({
      description:
        `STAND-IN: start_streaming / stop_streaming of ${camera}; every client subscribed to stream.started and stream.stopped, which the service ` +
        'sends with the same serialize-once, write-to-every-session path as camera_status_update (plus a per-session topic check). ' +
        'The event is the FFmpeg spawn or exit, so "first" includes that; "last − first" is the fan-out itself',
      requests: [
        { method: 'start_streaming', params: { device: camera } },
        { method: 'stop_streaming', params: { device: camera } },
      ],
      notifications: ['stream.started', 'stream.stopped'],
      subscribe: ['stream.started', 'stream.stopped'],
      standIn: true,
    });
  }
  return out;
}

export const NO_TRIGGER =
  'not available: nothing makes the server notify every client on demand (needs add/remove_test_camera, ' +
  "or add/remove_external_stream notifying camera_status_update). Pass --fanout-trigger 'method:{json}' (twice, for on and off), or add one to bench/lib/triggers.ts";
