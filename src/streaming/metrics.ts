/**
 * Per-camera stream metrics, computed when Prometheus scrapes (no cost between scrapes): camera
 * up, configured vs delivered fps, FFmpeg dropped/duplicated frames, publisher state and
 * template, readers and bytes from MediaMTX. Labels are bounded: camera id, template.
 */
import { Counter, Gauge, type Registry } from '../lib/deps/prom-client.js';
import type { CameraRegistry } from '../cameras/registry.js';
import { METRIC_PREFIX } from '../observability/metrics.js';
import type { StreamManager } from './stream-manager.js';

export function registerStreamMetrics(registry: Registry, cameras: CameraRegistry, streams: StreamManager): { exits: Counter<'camera' | 'code'> } {
  // prom-client collects metrics in parallel: every gauge awaits one shared refresh per scrape.
  let pending: Promise<void> | undefined;
  const sync = () => (pending ??= refresh().finally(() => setImmediate(() => (pending = undefined))));
  const gauge = (name: string, help: string, labelNames: string[] = ['camera']) =>
    new Gauge({ name: `${METRIC_PREFIX}${name}`, help, labelNames, registers: [registry], collect: sync });
  const up = gauge('camera_up', '1 when the camera is connected');
  const configuredFps = gauge('stream_configured_fps', 'Frame rate of the camera\'s chosen mode');
  const fps = gauge('stream_fps', 'Frame rate FFmpeg delivers now');
  const dropped = gauge('ffmpeg_dropped_frames', 'Frames dropped by the current FFmpeg publisher');
  const duplicated = gauge('ffmpeg_duplicated_frames', 'Frames duplicated by the current FFmpeg publisher');
  const active = gauge('stream_active', '1 while an FFmpeg publisher runs for the camera');
  const info = gauge('stream_template_info', 'The pipeline template publishing the camera (value 1)', ['camera', 'template']);
  const readers = gauge('stream_readers', 'Readers of the camera\'s MediaMTX path');
  const inbound = gauge('stream_inbound_bytes', 'Bytes MediaMTX received on the camera\'s path since the path started');
  const outbound = gauge('stream_outbound_bytes', 'Bytes MediaMTX sent to readers of the camera\'s path since the path started');
  const exits = new Counter({
    name: `${METRIC_PREFIX}ffmpeg_exits_total`,
    help: 'FFmpeg publisher exits by exit code (or signal name)',
    labelNames: ['camera', 'code'] as const,
    registers: [registry],
  });

  async function refresh(): Promise<void> {
    for (const g of [up, configuredFps, fps, dropped, duplicated, active, info, readers, inbound, outbound]) g.reset();
    let paths = new Map<string, { readers: number; inbound: number; outbound: number }>();
    try {
      paths = new Map([...(await streams.recentPaths())].map(([name, p]) => [name, { readers: p.readers.length, inbound: p.inboundBytes, outbound: p.outboundBytes }]));
    } catch {
      /* MediaMTX away: path figures are absent */
    }
    for (const c of cameras.list()) {
      const camera = c.id;
      up.set({ camera }, c.status === 'CONNECTED' ? 1 : 0);
      if (c.mode) configuredFps.set({ camera }, c.mode.fps);
      const pub = streams.publisher(camera);
      const sup = pub.supervisor;
      active.set({ camera }, sup?.running ? 1 : 0);
      fps.set({ camera }, sup?.running ? (sup.progress?.fps ?? 0) : 0);
      dropped.set({ camera }, sup?.progress?.dropFrames ?? 0);
      duplicated.set({ camera }, sup?.progress?.dupFrames ?? 0);
      if (pub.plan) info.set({ camera, template: pub.plan.template }, 1);
      const p = paths.get(camera);
      if (p) {
        readers.set({ camera }, p.readers);
        inbound.set({ camera }, p.inbound);
        outbound.set({ camera }, p.outbound);
      }
    }
  }
  return { exits };
}
