/**
 * Cameras: stable ids, test-pattern cameras, V4L2 discovery and the per-camera settings,
 * with their methods (get_camera_*, test cameras, settings); `announceCameras` adds their
 * notifications (camera.*) and the camera monitor's state. Two modules: `discovery` (first enumeration before the
 * listener, so clients see the cameras at once) and `test-cameras`.
 */
import { join } from 'node:path';
import { cameraMethods, cameraView } from '../api/methods/cameras.js';
import { settingsMethods } from '../api/methods/settings.js';
import { testCameraMethods } from '../api/methods/test-cameras.js';
import { CameraIdStore } from '../cameras/id-store.js';
import type { Camera } from '../cameras/registry.js';
import { CameraSettings } from '../cameras/settings/service.js';
import { SettingsStore } from '../cameras/settings/store.js';
import { V4l2CtlDevice } from '../cameras/settings/v4l2-ctl.js';
import { TestPatternCameras } from '../cameras/test-patterns.js';
import type { Module } from '../core/lifecycle.js';
import { DiscoveryService } from '../discovery/service.js';
import type { Core } from './core.js';

export interface CamerasDeps {
  /** Whether camera `id` is recording (settings that would interrupt it are refused). */
  recording(id: string): boolean;
  /** Bytes sent and readers of camera `id`'s path (get_camera_status). */
  pathFigures(id: string): Promise<{ bytes_sent: number; readers: number }>;
}

export interface Cameras {
  ids: CameraIdStore;
  testPatterns: TestPatternCameras;
  settings: CameraSettings;
  /** V4L2 discovery (undefined when discovery.enabled is false). */
  discovery: DiscoveryService | undefined;
  /** `discovery` then `test-cameras`. */
  modules: Module[];
}

export function wireCameras(core: Core, d: CamerasDeps): Cameras {
  const { config, log, cameras } = core;
  const ids = new CameraIdStore(join(config.storage.state_path, 'camera-ids.json'), log.child({ module: 'state' }));
  // Built below; the callbacks that need it run only after construction.
  let settings: CameraSettings | undefined;
  const testPatterns = new TestPatternCameras(cameras, ids, (identity) => settings!.testPatternMode(identity));
  const discovery = config.discovery.enabled
    ? new DiscoveryService({
        config: config.discovery,
        registry: cameras,
        ids,
        metrics: core.metrics.registry,
        log: log.child({ module: 'discovery' }),
        modeOverride: (identity, formats) => settings!.modeOverride(identity, formats),
      })
    : undefined;
  settings = new CameraSettings({
    registry: cameras,
    store: new SettingsStore(join(config.storage.state_path, 'camera-settings.json'), log.child({ module: 'state' })),
    device: new V4l2CtlDevice({ timeoutMs: config.discovery.probe_timeout_ms }),
    testPatterns,
    log: log.child({ module: 'settings' }),
    formatsOf: (id) => discovery?.formatsOf(id),
    refreshModes: () => discovery?.refreshModes(),
    recording: (id) => d.recording(id),
    preferredFormats: config.discovery.preferred_formats,
  });
  const s = settings;

  core.methods.add(
    ...cameraMethods({ registry: cameras, streamUrls: (id) => core.streamUrls(id), modeSource: (camera) => s.modeSource(camera), pathFigures: d.pathFigures }),
    ...testCameraMethods({ registry: cameras, testPatterns }),
    ...settingsMethods(s),
  );

  const modules: Module[] = [
    { name: 'discovery', start: () => discovery?.start(), drain: () => discovery?.stop() },
    {
      name: 'test-cameras',
      start() {
        for (const spec of config.test_cameras.patterns) testPatterns.add(spec);
        if (config.test_cameras.when_no_hardware && !cameras.list().some((c) => c.kind === 'v4l2' && c.status === 'CONNECTED')) {
          const id = testPatterns.add({ name: 'demo' });
          log.info({ camera: id }, 'no V4L2 camera found: added the test-pattern camera "demo"');
        }
      },
    },
  ];
  return { ids, testPatterns, settings: s, discovery, modules };
}

/**
 * Camera notifications (camera_status_update, camera.*) and the camera monitor's state.
 * Registered after streaming and media are built, so their reactions to a camera change
 * (publisher stopped, recording ended) come before the change's notifications, as always.
 */
export function announceCameras(core: Core, wired: Cameras): void {
  const { cameras, notifier } = core;
  const { discovery, settings } = wired;
  const view = (c: Camera) => cameraView(c, core.streamUrls(c.id));
  cameras.on('change', (camera, previous) => {
    const v = view(camera);
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    const capabilityChange = !same(previous?.mode, camera.mode) || !same(previous?.capabilities, camera.capabilities);
    if (previous?.status !== camera.status || capabilityChange) notifier.broadcast('camera_status_update', v);
    if (previous?.status !== camera.status) {
      if (camera.status === 'CONNECTED') notifier.publish('camera.connected', v, camera.id);
      else if (camera.status === 'DISCONNECTED') notifier.publish('camera.disconnected', v, camera.id);
      notifier.publish('camera.status_change', { ...v, previous_status: previous?.status ?? null }, camera.id);
    }
  });
  discovery?.on('capability_detected', (c) => {
    const caps = c.capabilities ?? { formats: [], resolutions: [], fps_options: [] };
    notifier.publish('camera.capability_detected', { ...view(c), ...caps, frame_rates: caps.fps_options }, c.id);
  });
  discovery?.on('capability_error', (c, reason) => notifier.publish('camera.capability_error', { ...view(c), error: reason }, c.id));
  settings.on('rejected', (c, reason, details) => notifier.publish('camera.capability_error', { ...view(c), error: reason, rejected: details }, c.id));
  settings.on('changed', (change) => notifier.publish('camera.settings_changed', { ...change }, change.device));
  core.providers.cameraMonitor = () => (!discovery?.active ? 'STOPPED' : discovery.enumerated ? 'RUNNING' : 'STARTING');
}
