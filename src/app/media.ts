/**
 * Media: recordings, snapshots, the files route, storage and retention, with their methods
 * and metrics. Its drain ends the recordings (finalized, STOPPED sent) while clients are
 * still connected.
 */
import { mediaMethods } from '../api/methods/media.js';
import type { Module } from '../core/lifecycle.js';
import { registerMediaMetrics } from '../media/metrics.js';
import { createMedia, type Media } from '../media/setup.js';
import type { MediaMtx } from './mediamtx.js';
import type { Streaming } from '../streaming/setup.js';
import type { Core } from './core.js';

/** `authorize`: who may download files (the API's HTTP authentication). */
export function wireMedia(core: Core, mediamtx: MediaMtx, streaming: Streaming, authorize: Parameters<Media['fileRoute']>[0]): { media: Media; module: Module } {
  const media = createMedia({
    config: core.config,
    registry: core.cameras,
    streams: streaming.streams,
    waitAvailable: (id, ms) => mediamtx.paths.waitAvailable(id, ms),
    idleClip: (id) => streaming.idleClip(id),
    catalog: streaming.catalog,
    notifier: { broadcast: (m, p) => core.notifier.broadcast(m, p), publish: (t, f, d) => core.notifier.publish(t, f, d) },
    log: core.log.child({ module: 'media' }),
    ...(mediamtx.readCredentials ? { readCredentials: mediamtx.readCredentials } : {}),
  });
  core.methods.add(...mediaMethods(media));
  core.routes.push(media.fileRoute(authorize));
  return { media, module: { name: 'media', start: () => media.start(), drain: () => media.close() } };
}

/** Recording figures for get_metrics and the media metrics on /metrics. */
export function observeMedia(core: Core, media: Media): void {
  core.providers.recordingMetrics = () => media.figures();
  registerMediaMetrics(core.metrics.registry, media);
}
