/**
 * Streaming: the publishers (FFmpeg per camera, supervised) and the on-demand endpoint, with
 * their methods (start/stop streaming, diagnostics) and the `/internal/…` route the on-demand
 * hook calls; `observeStreams` adds their notifications (stream.*) and metrics. Starts after the listener (paths carry the
 * hook command, which needs its port); stops every publisher.
 */
import { diagnosticsMethods } from '../api/methods/diagnostics.js';
import { streamMethods } from '../api/methods/streams.js';
import type { CameraSettings } from '../cameras/settings/service.js';
import type { Module } from '../core/lifecycle.js';
import type { MediaMtx } from './mediamtx.js';
import type { PathInfo } from '../mediamtx/api-client.js';
import { registerStreamMetrics } from '../streaming/metrics.js';
import { createStreaming, type Streaming } from '../streaming/setup.js';
import type { Core } from './core.js';

export function wireStreaming(core: Core, mediamtx: MediaMtx, settings: CameraSettings): Streaming & { module: Module } {
  const { config, cameras } = core;
  const streaming = createStreaming({
    config,
    registry: cameras,
    reconciler: mediamtx.paths,
    mediamtx: mediamtx.api,
    log: core.log.child({ module: 'streaming' }),
    servicePort: () => core.internalPort,
    // Saved camera controls go back before the publisher opens the device, and again once it
    // runs (some drivers reset controls when streaming starts).
    beforePublish: (id) => (cameras.get(id)?.kind === 'v4l2' ? settings.reapply(id, 'reapplied_before_publisher_start') : Promise.resolve()),
    ...(mediamtx.managed ? { publishCredentials: mediamtx.managed.publishCredentials } : {}),
  });
  const { streams, demand } = streaming;

  core.methods.add(
    ...streamMethods({ registry: cameras, streams, streamUrls: (id) => core.streamUrls(id), autoCloseAfterS: config.streaming.auto_close_after_s }),
    ...diagnosticsMethods({ registry: cameras, streams, mediamtxUp: () => mediamtx.reachability.up }),
  );
  core.internalRoutes.push(demand.route());

  const module: Module = {
    name: 'streaming',
    start: () => streams.start(),
    async stop() {
      demand.closeAll();
      await streams.close();
    },
  };
  return { ...streaming, module };
}

/**
 * The publishers' notifications (stream.*), metrics and figures, and their reactions to
 * MediaMTX coming back and to publishers starting. Registered after media is built, so the
 * recordings see a publisher's events first, as always.
 */
export function observeStreams(core: Core, streaming: Streaming, mediamtx: MediaMtx, settings: CameraSettings): void {
  const { cameras, notifier, metrics } = core;
  const { streams } = streaming;
  core.providers.streamMetrics = async () => {
    const paths = await streams.recentPaths().catch(() => new Map<string, PathInfo>());
    const cameraPaths = [...paths.values()].filter((p) => cameras.get(p.name));
    return {
      active_streams: cameraPaths.filter((p) => p.available).length,
      total_streams: cameraPaths.length,
      total_viewers: cameraPaths.reduce((n, p) => n + p.readers.length, 0),
    };
  };
  core.providers.cameraMetrics = () =>
    Object.fromEntries(
      cameras.list().map((c) => {
        const sup = streams.publisher(c.id).supervisor;
        return [c.id, { status: c.status, streaming: sup?.running ?? false, fps: sup?.progress?.fps ?? 0, ffmpeg_restarts: sup?.restarts ?? 0 }];
      }),
    );
  mediamtx.paths.on('restored', () => void streams.retryBackedOff());
  // Some drivers reset controls when streaming starts: put the saved values back.
  streams.on('spawned', (id) => {
    if (cameras.get(id)?.kind === 'v4l2') void settings.reapply(id, 'reapplied_after_publisher_start');
  });
  streams.on('started', (id, info) => notifier.publish('stream.started', { stream_name: id, template: info.template, pid: info.pid }, id));
  streams.on('stopped', (id, reason) => notifier.publish('stream.stopped', { stream_name: id, reason }, id));
  const streamMetrics = registerStreamMetrics(metrics.registry, cameras, streams);
  streams.on('crash', (id, exit) => {
    metrics.ffmpegRestarts.inc({ camera: id });
    streamMetrics.exits.inc({ camera: id, code: exit.signal ?? String(exit.code) });
    notifier.publish('stream.error', { stream_name: id, error: exit.summary, exit_code: exit.code, signal: exit.signal }, id);
  });
}
