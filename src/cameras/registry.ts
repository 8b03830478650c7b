/**
 * The single source of truth about cameras: every known camera (present or not) with its
 * status, capabilities and chosen mode. Discovery and config feed it; every change is an
 * event the API fans out.
 */
import { EventEmitter } from 'node:events';

export type { CameraStatus } from '../client/methods.js';
import type { CameraStatus } from '../client/methods.js';
export type CameraKind = 'v4l2' | 'test_pattern' | 'external';

export interface CameraMode {
  format: string;
  width: number;
  height: number;
  fps: number;
}

export interface CameraCapabilities {
  formats: string[];
  resolutions: string[];
  fps_options: number[];
}

export interface Camera {
  id: string;
  kind: CameraKind;
  name: string;
  status: CameraStatus;
  mode?: CameraMode;
  capabilities?: CameraCapabilities;
  /** Why the camera is in ERROR, or why its capabilities are unknown. */
  error?: string;
  /** Admin-only details: device nodes, identity. */
  debug?: Record<string, unknown>;
  /** Epoch ms of the last status change. */
  since: number;
}

export interface Transition {
  /** Epoch ms. */
  at: number;
  from: CameraStatus | null;
  to: CameraStatus;
  reason?: string;
}

const HISTORY = 20;

export interface RegistryEvents {
  /** A camera was added or changed; `previous` is undefined for a new camera. */
  change: [camera: Camera, previous: Camera | undefined];
  /** A camera was forgotten (its id released); it is no longer listed. */
  removed: [camera: Camera];
}

export class CameraRegistry extends EventEmitter<RegistryEvents> {
  readonly #cameras = new Map<string, Camera>();
  readonly #history = new Map<string, Transition[]>();

  list(): Camera[] {
    return [...this.#cameras.values()].sort((a, b) => idNumber(a.id) - idNumber(b.id));
  }

  get(id: string): Camera | undefined {
    return this.#cameras.get(id);
  }

  /** Adds or replaces a camera and emits `change` when anything differs. */
  upsert(camera: Omit<Camera, 'since'> & { since?: number }): Camera {
    const previous = this.#cameras.get(camera.id);
    const statusChanged = previous?.status !== camera.status;
    const next: Camera = { ...camera, since: statusChanged ? (camera.since ?? Date.now()) : (previous?.since ?? Date.now()) };
    this.#cameras.set(camera.id, next);
    if (statusChanged) {
      const h = this.#history.get(camera.id) ?? [];
      h.push({ at: next.since, from: previous?.status ?? null, to: next.status, ...(next.error ? { reason: next.error } : {}) });
      if (h.length > HISTORY) h.shift();
      this.#history.set(camera.id, h);
    }
    if (!previous || JSON.stringify({ ...previous, since: 0 }) !== JSON.stringify({ ...next, since: 0 })) this.emit('change', next, previous);
    return next;
  }

  /** The last status transitions of a camera, oldest first. */
  history(id: string): Transition[] {
    return [...(this.#history.get(id) ?? [])];
  }

  remove(id: string): boolean {
    const camera = this.#cameras.get(id);
    if (!camera) return false;
    this.#cameras.delete(id);
    this.emit('removed', camera);
    return true;
  }
}

function idNumber(id: string): number {
  const m = /(\d+)$/.exec(id);
  return m ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
}
