/**
 * Ways to make the server emit `camera_status_update` to every authenticated client on
 * demand, for the fan-out scenario. Each trigger is a list of requests used in turn (e.g.
 * add, then remove) so the server's state is restored after an even number of events.
 * When test-pattern cameras can be added and removed at run time, add that pair here.
 */
import type { Caps } from './capabilities.js';
import type { RequestSpec } from './frames.js';

export interface Trigger {
  description: string;
  requests: RequestSpec[];
}

const BENCH_STREAM = 'rtsp://127.0.0.1:9/bench-fanout';

/** Known triggers, best first; one is used when the server offers all of its methods. */
export const KNOWN_TRIGGERS: Trigger[] = [
  {
    description: 'add_external_stream / remove_external_stream of an RTSP URL nobody serves (the contract makes an external stream a camera-like entry)',
    requests: [
      { method: 'add_external_stream', params: { stream_url: BENCH_STREAM, stream_name: 'bench_fanout' } },
      { method: 'remove_external_stream', params: { stream_url: BENCH_STREAM } },
    ],
  },
];

/** `method` or `method:{"json":"params"}`. */
export function parseTrigger(text: string): RequestSpec {
  const i = text.indexOf(':');
  if (i < 0) return { method: text };
  const params = JSON.parse(text.slice(i + 1)) as unknown;
  if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new Error(`--fanout-trigger params must be a JSON object: ${text}`);
  return { method: text.slice(0, i), params: params as Record<string, unknown> };
}

export function findTrigger(caps: Caps, given: string[]): Trigger | { missing: string } {
  if (given.length) return { description: `given on the command line: ${given.join(' , ')}`, requests: given.map(parseTrigger) };
  const t = KNOWN_TRIGGERS.find((k) => k.requests.every((r) => caps.methods.has(r.method)));
  if (t) return t;
  return {
    missing:
      'not available yet: nothing can make a camera change on demand (needs test-pattern cameras that can be added/removed at run time, issue 4, ' +
      `or ${KNOWN_TRIGGERS.map((k) => k.requests.map((r) => r.method).join('/')).join(', ')}). ` +
      "Pass --fanout-trigger 'method:{json}' (twice, for on and off) to use any request that does, or add it to bench/lib/triggers.ts",
  };
}
