/**
 * Virtual test-pattern cameras from config: each is a camera like any other (id from the
 * shared id store, status, streaming, recording, snapshots). Unless `encode_live` is set, its
 * publisher replays a pre-encoded H.264 loop with stream copy, generated once into the cache.
 */
import type { Config } from '../config/schema.js';
import type { CameraIdStore } from './id-store.js';
import type { Camera, CameraRegistry } from './registry.js';

export type TestPatternSpec = Config['test_cameras']['patterns'][number];

/** Everything the publisher needs; kept in the camera's `debug.test_pattern`. */
export interface TestPatternSource {
  width: number;
  height: number;
  fps: number;
  loop: boolean;
}

export const identityOf = (name: string) => `test-pattern:${name}`;

export function testPatternSource(camera: Camera): TestPatternSource | undefined {
  return camera.kind === 'test_pattern' ? (camera.debug?.test_pattern as TestPatternSource | undefined) : undefined;
}

export class TestPatternCameras {
  readonly #byName = new Map<string, string>();
  readonly #specs = new Map<string, TestPatternSpec>();

  constructor(
    private readonly registry: CameraRegistry,
    private readonly ids: CameraIdStore,
    /** A mode an operator set for this identity (set_camera_mode); it wins over the spec's size and rate. */
    private readonly modeOf?: (identity: string) => { width: number; height: number; fps: number } | undefined,
  ) {}

  /** Adds (or updates) a test-pattern camera; returns its id. */
  add(spec: TestPatternSpec): string {
    const identity = identityOf(spec.name);
    const id = this.ids.assign([{ identity, name: spec.name }]).get(identity)!;
    const chosen = this.modeOf?.(identity);
    const src: TestPatternSource = { width: chosen?.width ?? spec.width ?? 1280, height: chosen?.height ?? spec.height ?? 720, fps: chosen?.fps ?? spec.fps ?? 30, loop: !spec.encode_live };
    this.#byName.set(spec.name, id);
    this.#specs.set(spec.name, { ...spec });
    this.registry.upsert({
      id,
      kind: 'test_pattern',
      name: `Test pattern ${spec.name}`,
      status: 'CONNECTED',
      mode: { format: 'H264', width: src.width, height: src.height, fps: src.fps },
      capabilities: { formats: ['H264'], resolutions: [`${src.width}x${src.height}`], fps_options: [src.fps] },
      debug: { identity, test_pattern: src },
    });
    return id;
  }

  /** Builds a connected test-pattern camera again from its spec (after its operator mode changed). */
  refresh(name: string): boolean {
    const spec = this.#specs.get(name);
    const id = this.#byName.get(name);
    if (!spec || !id || this.registry.get(id)?.status !== 'CONNECTED') return false;
    this.add(spec);
    return true;
  }

  /** The id of the test-pattern camera named `name` (added since start, connected or not). */
  idOf(name: string): string | undefined {
    return this.#byName.get(name);
  }

  /** The name of the test-pattern camera with id `id`. */
  nameOf(id: string): string | undefined {
    for (const [name, known] of this.#byName) if (known === id) return name;
    return undefined;
  }

  /** How many test-pattern cameras were added since start (connected or removed). */
  get size(): number {
    return this.#byName.size;
  }

  /** Marks a test-pattern camera DISCONNECTED (its id stays reserved, like an unplugged camera). */
  remove(name: string): boolean {
    const id = this.#byName.get(name);
    const camera = id ? this.registry.get(id) : undefined;
    if (!camera) return false;
    this.registry.upsert({ ...camera, status: 'DISCONNECTED' });
    return true;
  }
}
