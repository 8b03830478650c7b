/**
 * Recording and storage metrics: sessions running and file system size/free (computed when
 * scraped), and bytes written to recordings per camera (counted from each session's progress
 * reports and final size, as increments, so the counter never goes back).
 */
import { Counter, Gauge, type Registry } from '../lib/deps/prom-client.js';
import { METRIC_PREFIX } from '../observability/metrics.js';
import type { Media } from './setup.js';

export function registerMediaMetrics(registry: Registry, media: Media): void {
  new Gauge({
    name: `${METRIC_PREFIX}recordings_active`,
    help: 'Recording sessions running',
    registers: [registry],
    collect() {
      this.set(media.recordings.active().length);
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}storage_free_bytes`,
    help: 'Free bytes on the recordings file system (as available to the service)',
    registers: [registry],
    collect() {
      this.set(media.storage.info().available_space);
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}storage_total_bytes`,
    help: 'Size of the recordings file system',
    registers: [registry],
    collect() {
      this.set(media.storage.info().total_space);
    },
  });
  const bytes = new Counter({
    name: `${METRIC_PREFIX}recording_bytes_total`,
    help: 'Bytes written to recordings, by camera',
    labelNames: ['camera'] as const,
    registers: [registry],
  });
  const seen = new Map<string, number>();
  const count = (camera: string, filename: string, size: number) => {
    const key = `${camera}/${filename}`;
    const delta = size - (seen.get(key) ?? 0);
    if (delta > 0) bytes.inc({ camera }, delta);
    seen.set(key, Math.max(size, seen.get(key) ?? 0));
  };
  media.recordings.on('progress', (p) => count(p.device, p.filename, p.file_size));
  media.recordings.on('ended', (e) => {
    count(e.device, e.filename, e.file_size);
    seen.delete(`${e.device}/${e.filename}`);
  });
}
