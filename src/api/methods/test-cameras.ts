/**
 * add_test_camera / remove_test_camera (admin): test-pattern cameras added and removed at run
 * time, an extension beyond the contract for demos, tests and the benchmark. They go through
 * the same path as `test_cameras.patterns` from the config (TestPatternCameras → registry
 * upsert → camera_status_update to every client, MediaMTX path from the stream manager).
 *
 * Both replies carry `event_monotonic_ms`, the host's monotonic clock when the registry emitted
 * the change that fans out camera_status_update, so a benchmark on the same host can time the
 * fan-out from the event itself (see docs/performance.md).
 */
import type { Camera, CameraRegistry } from '../../cameras/registry.js';
import type { TestPatternCameras } from '../../cameras/test-patterns.js';
import { TEST_PATTERNS_MAX, testPatternSchema } from '../../config/schema.js';
import { t, type Schema } from '../../lib/schema.js';
import { ErrorCode, RpcError, rpcErrors } from '../rpc/errors.js';
import { defineMethod, type MethodDef } from '../rpc/registry.js';

export interface TestCameraDeps {
  registry: CameraRegistry;
  testPatterns: TestPatternCameras;
  /** Most test-pattern cameras known at once (config and run time together). */
  max?: number;
}

/**
 * CLOCK_MONOTONIC in ms (process.hrtime, the clock libuv reads): one clock for every process
 * on this host, never stepped by NTP. Another process compares with its own process.hrtime.
 */
export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

const monotonicField = t.number({
  description:
    'this host\'s CLOCK_MONOTONIC in ms (Node process.hrtime) when the camera registry emitted the change that sends camera_status_update; ' +
    'comparable with process.hrtime of another process on the same host (benchmarks), meaningless elsewhere',
});

/** Runs `change` and returns the monotonic time of the first registry `change` event it caused (undefined: none). */
function timeEvent(registry: CameraRegistry, change: () => void): number | undefined {
  let at: number | undefined;
  // Prepended: runs before the stream manager and the notifier hear of the change.
  const mark = (_c: Camera) => {
    at ??= monotonicMs();
  };
  registry.prependListener('change', mark);
  try {
    change();
  } finally {
    registry.off('change', mark);
  }
  return at;
}

const notFound = (what: string) => rpcErrors.notFound('test-pattern camera', what);

export function testCameraMethods(d: TestCameraDeps): MethodDef[] {
  const max = d.max ?? TEST_PATTERNS_MAX;
  return [
    defineMethod({
      name: 'add_test_camera',
      minRole: 'admin',
      summary: 'Extension beyond the contract: adds a test-pattern camera at run time, like one in test_cameras.patterns.',
      description:
        'Params are those of a `test_cameras.patterns` item (defaults 1280x720, 30 fps, a pre-encoded H.264 loop replayed with stream copy unless `encode_live`). ' +
        'The camera gets an id like any camera (persisted per name, so a name keeps its id), every authenticated client receives `camera_status_update` CONNECTED, ' +
        'and its MediaMTX path is created as for any camera (on demand by default). Not persisted: after a restart only config cameras are back. ' +
        `A name that is connected answers -32020 (state CONNECTED); a name removed earlier is reconnected with its old id and the new params (\`reconnected: true\`). ` +
        `At most ${max} test-pattern cameras are known at once, config ones and removed ones included: beyond that -32020 (state LIMIT_REACHED, data.limit).`,
      params: testPatternSchema,
      result: t.object({
        device: t.string({ description: 'camera id (cameraN), the stream path name' }),
        name: t.string(),
        status: t.enum(['CONNECTED'] as const),
        reconnected: t.boolean({ description: 'true when the name had been removed before and is connected again under its old id' }),
        resolution: t.string({ description: 'WIDTHxHEIGHT' }),
        fps: t.integer(),
        encode_live: t.boolean(),
        event_monotonic_ms: monotonicField,
        timestamp: t.string({ description: 'ISO 8601 UTC' }),
      }),
      errors: [ErrorCode.InvalidState],
      handler: (spec) => {
        const known = d.testPatterns.idOf(spec.name);
        const current = known ? d.registry.get(known) : undefined;
        if (current?.status === 'CONNECTED') {
          throw rpcErrors.invalidState(`test-pattern camera '${spec.name}' is already connected as ${known}`, 'CONNECTED', ['DISCONNECTED', 'UNKNOWN']);
        }
        if (!known && d.testPatterns.size >= max) {
          throw new RpcError(ErrorCode.InvalidState, 'Invalid state', {
            reason: `at most ${max} test-pattern cameras can be known at once (config and added ones, removed ones included)`,
            state: 'LIMIT_REACHED',
            allowed_states: ['BELOW_LIMIT'],
            limit: max,
          });
        }
        let device = '';
        const at = timeEvent(d.registry, () => (device = d.testPatterns.add(spec)));
        const width = spec.width ?? 1280;
        const height = spec.height ?? 720;
        return {
          device,
          name: spec.name,
          status: 'CONNECTED' as const,
          reconnected: known !== undefined,
          resolution: `${width}x${height}`,
          fps: spec.fps ?? 30,
          encode_live: spec.encode_live ?? false,
          event_monotonic_ms: at ?? monotonicMs(),
          timestamp: new Date().toISOString(),
        };
      },
    }),
    defineMethod({
      name: 'remove_test_camera',
      minRole: 'admin',
      summary: 'Extension beyond the contract: removes a test-pattern camera (by name or device): it becomes DISCONNECTED, like an unplugged camera.',
      description:
        'Give exactly one of `name` and `device`. Works for config cameras too. The camera stays listed as DISCONNECTED with its id reserved; its publisher ' +
        'and MediaMTX path are removed and recordings of it end; every authenticated client receives `camera_status_update` DISCONNECTED. ' +
        '`add_test_camera` with the same name reconnects it. Unknown name or device (or a device that is not a test-pattern camera): -32010; ' +
        'already removed: -32020 (state DISCONNECTED).',
      params: t.object({
        name: t.optional(testPatternSchema.properties!.name as Schema<string>),
        device: t.optional(t.string({ pattern: '^camera[0-9]+$' })),
      }),
      result: t.object({
        device: t.string(),
        name: t.string(),
        status: t.enum(['DISCONNECTED'] as const),
        event_monotonic_ms: monotonicField,
        timestamp: t.string({ description: 'ISO 8601 UTC' }),
      }),
      errors: [ErrorCode.NotFound, ErrorCode.InvalidState],
      handler: ({ name, device }) => {
        if ((name === undefined) === (device === undefined)) throw rpcErrors.invalidParams(name === undefined ? 'name' : 'device', 'oneOf:name,device', 'give exactly one of name and device');
        const id = name !== undefined ? d.testPatterns.idOf(name) : device;
        const camName = name ?? (device !== undefined ? d.testPatterns.nameOf(device) : undefined);
        const camera = id ? d.registry.get(id) : undefined;
        if (!id || camName === undefined || !camera) throw notFound((name ?? device)!);
        if (camera.status === 'DISCONNECTED') throw rpcErrors.invalidState(`test-pattern camera '${camName}' (${id}) is already removed`, 'DISCONNECTED', ['CONNECTED']);
        const at = timeEvent(d.registry, () => d.testPatterns.remove(camName));
        return { device: id, name: camName, status: 'DISCONNECTED' as const, event_monotonic_ms: at ?? monotonicMs(), timestamp: new Date().toISOString() };
      },
    }),
  ];
}
