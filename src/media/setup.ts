/**
 * Builds the media capability from config (recordings, snapshots, files, storage,
 * retention, crash recovery) and connects its events to notifications. The composition root
 * calls createMedia(), registers mediaMethods() and the file route, and calls start()/close().
 */
import { join } from 'node:path';
import type { Notifier } from '../api/notifications.js';
import type { Route } from '../api/http-server.js';
import type { CameraRegistry } from '../cameras/registry.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import type { StreamManager } from '../streaming/stream-manager.js';
import type { TemplateLookup } from '../streaming/templates/select.js';
import { fileRoute, type HttpAuthorizer } from './http-files.js';
import { DownloadLinks } from './download-links.js';
import { RecordingJournal } from './journal.js';
import { MediaLibrary } from './library.js';
import { partNumberOf } from './names.js';
import { ffprobeFor, probeDuration } from './probe.js';
import { RecordingManager, type EndInfo } from './recordings.js';
import { recoverRecordings } from './recovery.js';
import { PolicyStore, RetentionService } from './retention-service.js';
import { SnapshotService } from './snapshots.js';
import { StorageMonitor } from './storage.js';
import { localRtspUrl, withCredentials } from '../lib/net.js';

export interface MediaDeps {
  config: Config;
  /** The clip an idle camera's stream starts from, when it is a file (test-pattern loops). */
  idleClip?: (id: string) => Promise<string | undefined>;
  registry: CameraRegistry;
  streams: StreamManager;
  waitAvailable(id: string, timeoutMs: number): Promise<unknown>;
  catalog: TemplateLookup;
  notifier: Pick<Notifier, 'broadcast' | 'publish'>;
  log: Logger;
  /** Credentials the service's own readers present to MediaMTX (managed mode with media authentication). */
  readCredentials?: { user: string; pass: string };
}

export interface Media {
  library: MediaLibrary;
  recordings: RecordingManager;
  snapshots: SnapshotService;
  storage: StorageMonitor;
  retention: RetentionService;
  /** Resolves once crash recovery has finished (start() does not wait for it). */
  recovered: Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
  fileRoute(authorize: HttpAuthorizer): Route;
  /** Signed `download_url`s (no Authorization header needed) and their check in the file route. */
  links: DownloadLinks;
  /** Figures for get_metrics' recording_metrics. */
  figures(): { active_recordings: number; recordings_size: number; snapshots_size: number; low_space_warning: boolean };
}


export function createMedia(d: MediaDeps): Media {
  const { storage: st, recording: rc, snapshots: sc, retention: rt, streaming } = d.config;
  const ffprobe = ffprobeFor(streaming.ffmpeg_binary);
  const library = new MediaLibrary({ recordings: st.recordings_path, snapshots: st.snapshots_path }, (path) => probeDuration(ffprobe, path), {
    log: d.log.child({ part: 'index' }),
  });
  const journal = new RecordingJournal(join(st.state_path, 'recordings'));
  const sourceUrl = (id: string) => withCredentials(localRtspUrl(d.config, id), d.readCredentials);
  const log = d.log;
  const links = new DownloadLinks(d.config.server.download_url_lifetime_s);

  const storage = new StorageMonitor({
    recordingsDir: st.recordings_path,
    snapshotsDir: st.snapshots_path,
    lowSpacePercent: st.low_space_percent,
    minFreeBytes: st.min_free_bytes,
    checkIntervalMs: st.check_interval_ms,
    sizeRefreshMs: st.size_refresh_interval_s * 1000,
    sizes: async () => ({ recordings: await library.totalSize('recordings'), snapshots: await library.totalSize('snapshots') }),
    onError: (err) => log.warn({ err: err.message }, 'storage check failed'),
  });

  const recordings = new RecordingManager({
    registry: d.registry,
    streams: d.streams,
    waitAvailable: d.waitAvailable,
    sourceUrl,
    library,
    journal,
    diskRefusal: () => storage.refusal(st.recordings_path),
    ffmpegBinary: streaming.ffmpeg_binary,
    segmentS: rc.segment_duration_s,
    progressIntervalS: rc.progress_interval_s,
    startTimeoutMs: rc.start_timeout_ms,
    stopGraceMs: streaming.stop_grace_ms,
    log: log.child({ part: 'recordings' }),
  });

  const snapshots = new SnapshotService({
    registry: d.registry,
    streams: d.streams,
    waitAvailable: d.waitAvailable,
    sourceUrl,
    library,
    diskRefusal: () => storage.refusal(st.snapshots_path),
    catalog: d.catalog,
    ffmpegBinary: streaming.ffmpeg_binary,
    liveTap: sc.live_tap,
    quality: sc.quality,
    maxAgeMs: sc.max_age_ms,
    ...(d.idleClip ? { idleClip: d.idleClip } : {}),
    timeoutMs: sc.timeout_ms,
    log: log.child({ part: 'snapshots' }),
  });

  const retention = new RetentionService(
    new PolicyStore(join(st.state_path, 'retention-policy.json'), {
      policy_type: rt.policy_type,
      enabled: rt.enabled,
      max_age_days: rt.max_age_days,
      max_size_gb: rt.max_size_gb,
    }, log.child({ part: 'state' })),
    library,
    rt.cleanup_interval_s * 1000,
    log.child({ part: 'retention' }),
    () => void storage.refreshSizes(),
  );

  // --- events to notifications ---
  const n = d.notifier;
  const iso = (ms: number) => new Date(ms).toISOString();
  recordings.on('started', (s) => {
    const fields = { filename: s.filename, format: s.format, start_time: iso(s.startedAt) };
    n.broadcast('recording_status_update', { device: s.device, status: 'STARTED', ...fields, duration: 0 });
    n.publish('recording.start', fields, s.device);
  });
  recordings.on('progress', (p) => n.publish('recording.progress', { filename: p.filename, format: p.format, duration: p.duration, file_size: p.file_size, parts: p.parts }, p.device));
  recordings.on('ended', (e: EndInfo) => {
    const fields = {
      filename: e.filename,
      format: e.format,
      reason: e.reason,
      start_time: iso(e.startedAt),
      end_time: iso(e.endedAt),
      duration: e.duration,
      file_size: e.file_size,
      parts: e.parts,
      ...(e.error !== undefined ? { error: e.error } : {}),
    };
    n.broadcast('recording_status_update', { device: e.device, status: e.status, ...fields });
    n.publish('recording.stop', { status: e.status, ...fields }, e.device);
    if (e.status === 'FAILED') n.publish('recording.error', fields, e.device);
    void storage.refreshSizes();
  });
  snapshots.on('taken', (r) =>
    n.publish('snapshot.taken', { filename: r.filename, format: r.format, file_size: r.file_size, source: r.source, latency_ms: r.latencyMs }, r.device),
  );
  snapshots.on('error', (e) => n.publish('snapshot.error', { filename: e.filename ?? null, reason: e.reason, error: e.error }, e.device));
  storage.on('low_space', (info) => {
    log.warn({ usage: info.usage_percentage, available: info.available_space }, 'low disk space');
    n.publish('storage.low_space', { ...info, threshold_percent: st.low_space_percent });
  });
  storage.on('below_floor', (space) => {
    if (recordings.active().length === 0) return;
    log.warn({ available: space.available, floor: st.min_free_bytes }, 'free space below the floor: stopping recordings');
    void recordings.endAll('disk_full');
  });
  for (const ev of ['started', 'stopped', 'crash'] as const) d.streams.on(ev, (id: string) => void snapshots.evaluate(id));

  // Files of interrupted recordings are busy until recovery has finished with them.
  const recovering = new Map<string, string>();
  library.addBusyCheck(
    (kind, name) => kind === 'recordings' && [...recovering].some(([base, ext]) => partNumberOf(name, base, ext) !== undefined),
    () => [...recovering].map(([base, ext]) => ({ kind: 'recordings' as const, base, ext })),
  );
  let recovered: Promise<void> = Promise.resolve();

  return {
    library,
    recordings,
    snapshots,
    storage,
    retention,
    get recovered() {
      return recovered;
    },
    async start() {
      await library.ensureDirs();
      // Built in the background; listings wait for it.
      void library.startIndex();
      const recoveryLog = log.child({ part: 'recovery' });
      // Validated here, before anything is touched (unsafe entries are moved aside and logged).
      for (const e of journal.list(recoveryLog).entries) recovering.set(e.base, e.ext);
      recovered = recoverRecordings({ journal, recordingsDir: st.recordings_path, snapshotsDir: st.snapshots_path, ffmpegBinary: streaming.ffmpeg_binary, ffprobe, log: recoveryLog })
        .then(
          (files) => void (files.length > 0 && log.info({ files: files.length, playable: files.filter((f) => f.playable).length }, 'crash recovery finished')),
          (err: Error) => log.error({ err: err.message }, 'crash recovery failed'),
        )
        .finally(() => {
          recovering.clear();
          // Recovery rewrote files with its own file operations: make sure the index has them.
          void library.rescan().finally(() => void storage.refreshSizes());
        });
      await storage.start();
      retention.start();
      snapshots.start();
    },
    async close() {
      retention.stop();
      storage.stop();
      await Promise.all([recordings.close(), snapshots.close()]);
      library.close();
    },
    fileRoute: (authorize) => fileRoute(library, authorize, log.child({ part: 'files' }), links),
    links,
    figures() {
      const info = storage.info();
      return { active_recordings: recordings.active().length, recordings_size: info.recordings_size, snapshots_size: info.snapshots_size, low_space_warning: info.low_space_warning };
    },
  };
}
