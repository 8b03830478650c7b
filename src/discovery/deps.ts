/**
 * What the discovery service takes (its dependencies and configuration) and the events it
 * emits besides its changes to the camera registry.
 */
import type { Registry } from '../lib/deps/prom-client.js';
import type { CameraIdStore } from '../cameras/id-store.js';
import type { Camera, CameraRegistry } from '../cameras/registry.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import type { ModeChoice } from './mode-policy.js';
import type { PixelFormat } from './v4l2-formats.js';

export type DiscoveryConfig = Config['discovery'];

export interface DiscoveryDeps {
  config: DiscoveryConfig;
  registry: CameraRegistry;
  ids: CameraIdStore;
  metrics: Registry;
  log: Logger;
  /**
   * A capture mode an operator chose for the camera with this identity (set_camera_mode),
   * checked against the primary node's formats; undefined: the policy chooses.
   */
  modeOverride?(identity: string, formats: readonly PixelFormat[]): ModeChoice | undefined;
  /** Overrides for tests and unusual systems. */
  paths?: { sysClass?: string; dev?: string; udevControl?: string; v4l2ctl?: string; udevadm?: string };
}

export interface DiscoveryEvents {
  /** A camera's capabilities were determined (on connect) or changed. */
  capability_detected: [camera: Camera];
  /** A camera could not be probed or offers nothing usable; it is in ERROR. */
  capability_error: [camera: Camera, reason: string];
  /** The first enumeration is complete. */
  enumerated: [];
  /** A node was probed: ok, permission, gone, timeout, failed, parse. */
  probed: [node: string, outcome: string];
  /** Hotplug events now come from this source (udev, or inotify while the udev monitor is down). */
  source: [source: 'udev' | 'inotify'];
}
