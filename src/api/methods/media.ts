/**
 * Recordings, snapshots, files, storage and retention: take_snapshot, start_recording,
 * stop_recording, list_recordings, list_snapshots, get_recording_info, get_snapshot_info,
 * delete_recording, delete_snapshot, get_storage_info, set_retention_policy, cleanup_old_files.
 */
import { t } from '../../lib/schema.js';
import { MediaError, type MediaKind } from '../../media/library.js';
import { downloadUrl, fileNameProblem, RECORDING_FORMATS } from '../../media/names.js';
import { normalizePolicy } from '../../media/retention.js';
import { RecordingError } from '../../media/recordings.js';
import type { Media } from '../../media/setup.js';
import { SnapshotError } from '../../media/snapshots.js';
import { rpcErrors, type RpcError } from '../rpc/errors.js';
import { defineMethod, type CallContext, type MethodDef } from '../rpc/registry.js';

const camera = t.string({ pattern: '^camera[0-9]+$', description: 'camera id' });
const filename = t.string({ description: 'a file name as listed: one path component, no leading ".", at most 255 bytes' });
const iso = (ms: number) => new Date(ms).toISOString();
const page = t.object({
  limit: t.optional(t.integer({ minimum: 1, maximum: 1000, description: 'default 50' })),
  offset: t.optional(t.integer({ minimum: 0, description: 'default 0' })),
});
const fileEntry = t.object({ filename: t.string(), file_size: t.integer(), modified_time: t.string(), download_url: t.string() });
const listResult = t.object({ files: t.array(fileEntry), total: t.integer(), limit: t.integer(), offset: t.integer() });
/** How every `download_url` in results works. */
const DOWNLOAD_URL_DOC =
  '`download_url` is the file\'s path under /files/ with a signature query (`?exp=<unix s>&role=<caller\'s role>&sig=<HMAC-SHA256>`): a browser can open it without an Authorization header until it expires (`server.download_url_lifetime_s`, default 900 s) or the service restarts. It is bound to that file: a changed path, role or expiry, or an expired link, answers 403. Without the query the path still works with credentials.';
const disk = (detail: string) => rpcErrors.dependency('storage', 'disk_full', detail);

function checkName(name: string): string {
  const problem = fileNameProblem(name);
  if (problem) throw rpcErrors.invalidParams('filename', 'filename', `filename ${problem}`);
  return name;
}

function recordingError(err: unknown, device: string): RpcError | unknown {
  if (!(err instanceof RecordingError)) return err;
  switch (err.code) {
    case 'not_found':
      return rpcErrors.notFound('camera', device);
    case 'busy':
      return rpcErrors.invalidState(err.message, err.state ?? 'RECORDING', ['IDLE']);
    case 'not_recording':
      return rpcErrors.invalidState(err.message, 'IDLE', ['RECORDING']);
    case 'not_connected':
      return rpcErrors.invalidState(err.message, err.state ?? 'DISCONNECTED', ['CONNECTED']);
    case 'closed':
      return rpcErrors.invalidState(err.message, 'STOPPING', ['RUNNING']);
    case 'disk_full':
      return disk(err.detail ?? err.message);
    case 'not_writable':
      return rpcErrors.dependency('storage', 'storage_not_writable', err.detail ?? err.message);
    case 'ffmpeg_missing':
      return rpcErrors.dependency('ffmpeg', 'ffmpeg_missing', err.detail ?? err.message);
    case 'start_failed':
      return rpcErrors.dependency('ffmpeg', err.message, err.detail ?? err.message);
  }
}

function fileError(err: unknown, kind: MediaKind, name: string): RpcError | unknown {
  if (!(err instanceof MediaError)) return err;
  if (err.code === 'not_found') return rpcErrors.notFound(kind === 'recordings' ? 'recording' : 'snapshot', name);
  if (err.code === 'busy') return rpcErrors.invalidState(`${name} is being written and cannot be deleted`, 'RECORDING', ['STOPPED']);
  return rpcErrors.invalidParams('filename', 'filename', err.message);
}

export function mediaMethods(media: Media): MethodDef[] {
  const { library, recordings, snapshots } = media;
  /** The file's download path signed for the caller's role (a browser can open it without headers). */
  const link = (kind: MediaKind, name: string, ctx: CallContext) => media.links.sign(downloadUrl(kind, name), ctx.session.auth?.role ?? 'viewer');

  const list = (kind: MediaKind) =>
    defineMethod({
      name: kind === 'recordings' ? 'list_recordings' : 'list_snapshots',
      minRole: 'viewer',
      summary: `Lists ${kind}, newest first (modification time), with paging.`,
      description: [
        `Answers from an in-memory index of the ${kind} directory (built at start; until then calls wait for it), kept current by the service's own writes and deletes`,
        'and by a watch of the directory, so files copied in or removed by hand are listed or gone within a moment (a repair rescan catches anything a watch missed).',
        `Only regular files with valid names are listed (no hidden files, symlinks or directories); ties in modification time are ordered by name, descending.${kind === 'recordings' ? ' Parts being written are listed with their current size.' : ''}`,
        DOWNLOAD_URL_DOC,
      ].join(' '),
      params: page,
      result: listResult,
      handler: async ({ limit = 50, offset = 0 }, ctx) => {
        const { files, total } = await library.page(kind, offset, limit);
        return {
          files: files.map((f) => ({ filename: f.name, file_size: f.size, modified_time: iso(f.mtimeMs), download_url: link(kind, f.name, ctx) })),
          total,
          limit,
          offset,
        };
      },
    });

  const remove = (kind: MediaKind) =>
    defineMethod({
      name: kind === 'recordings' ? 'delete_recording' : 'delete_snapshot',
      minRole: 'operator',
      summary: `Deletes a ${kind === 'recordings' ? 'recording' : 'snapshot'} (not one being written: -32020).`,
      errors: [-32010, -32020],
      params: t.object({ filename }),
      result: t.object({ filename: t.string(), deleted: t.boolean(), message: t.string() }),
      handler: async ({ filename: name }) => {
        checkName(name);
        let size: number;
        try {
          size = await library.delete(kind, name);
        } catch (err) {
          throw fileError(err, kind, name);
        }
        void media.storage.refreshSizes();
        return { filename: name, deleted: true, message: `deleted ${name} (${size} bytes)` };
      },
    });

  return [
    defineMethod({
      name: 'take_snapshot',
      minRole: 'operator',
      summary: 'Saves a still image of a camera: from its live stream when it streams, else from a stream started for it.',
      description: [
        'While the camera streams, the image is the latest keyframe of its live tap (`source: "live"`, a file write, no FFmpeg start).',
        'Otherwise the camera\'s stream is started for the snapshot and stopped after it, and the image is the stream\'s first keyframe, read over RTSP and decoded by an FFmpeg started meanwhile (`source: "stream"`); the device keeps its single opener.',
        'An idle test-pattern camera that replays its pre-encoded loop gives the loop\'s first picture, the one its stream would start with, without starting the stream (`source: "pattern"`).',
        'PNG, or a `quality` other than `snapshots.quality`, runs a one-shot FFmpeg grab of the stream (`source: "grab"`).',
        'Default name `<camera>_<YYYY-MM-DD_HH-MM-SS>_<ms>.jpg` (UTC). A custom `filename` keeps its .jpg/.jpeg/.png extension or gets the format\'s; a snapshot of that name is replaced (as the replaced service did); a default name never replaces one (a second snapshot in the same millisecond gets `_1`).',
        '`quality` is ignored for PNG (so `{format: "png", quality: 0}` is accepted); JPEG needs 1–100 (-32602).',
        '`file_path` is the download path (`/files/snapshots/<name>`, needs credentials); `download_url` is the same path signed for the caller (see list_recordings). Failures are errors (-32050), never a `FAILED` result: `data.reason` is `disk_full`, `storage_not_writable`, `ffmpeg_missing`, or a description of what failed.',
      ].join(' '),
      errors: [-32010, -32020, -32050],
      params: t.object({
        device: camera,
        filename: t.optional(filename),
        format: t.optional(t.enum(['jpg', 'jpeg', 'png'] as const)),
        quality: t.optional(t.integer({ minimum: 0, maximum: 100, description: 'JPEG quality 1–100, 100 best; ignored for png' })),
      }),
      result: t.object({
        device: t.string(), filename: t.string(), status: t.enum(['SUCCESS', 'FAILED'] as const), timestamp: t.string(),
        file_size: t.integer(), file_path: t.string(), download_url: t.string(), source: t.string(),
      }),
      handler: async ({ device, filename: requested, format, quality }, ctx) => {
        if (requested !== undefined) checkName(requested);
        let r;
        try {
          r = await snapshots.take(device, { ...(requested !== undefined ? { filename: requested } : {}), ...(format ? { format } : {}), ...(quality !== undefined ? { quality } : {}) });
        } catch (err) {
          if (!(err instanceof SnapshotError)) throw err;
          switch (err.code) {
            case 'invalid_param':
              throw rpcErrors.invalidParams(err.extra.param ?? 'filename', err.extra.param === 'quality' ? 'minimum:1' : 'filename', err.message);
            case 'not_found':
              throw rpcErrors.notFound('camera', device);
            case 'not_connected':
              throw rpcErrors.invalidState(err.message, err.extra.state ?? 'DISCONNECTED', ['CONNECTED']);
            case 'exists':
              throw rpcErrors.invalidState(err.message, 'EXISTS', ['ABSENT']);
            case 'disk_full':
              throw disk(err.extra.detail ?? err.message);
            case 'not_writable':
              throw rpcErrors.dependency('storage', 'storage_not_writable', err.extra.detail ?? err.message);
            case 'ffmpeg_missing':
              throw rpcErrors.dependency('ffmpeg', 'ffmpeg_missing', err.extra.detail ?? err.message);
            case 'failed':
              throw rpcErrors.dependency('ffmpeg', err.message, err.extra.detail ?? err.message);
          }
        }
        return {
          device, filename: r.filename, status: 'SUCCESS' as const, timestamp: iso(r.takenAt), file_size: r.file_size,
          file_path: downloadUrl('snapshots', r.filename), download_url: link('snapshots', r.filename, ctx), source: r.source,
        };
      },
    }),
    defineMethod({
      name: 'start_recording',
      minRole: 'operator',
      summary: 'Starts recording a camera (stream copy, no re-encoding); one recording per camera at a time.',
      description: [
        'Answers once the recording is committed (its journal entry written, the camera\'s stream requested), without waiting for the first frame; `recording_status_update` STARTED follows.',
        'The recorder starts as soon as the stream is available; a recording that has not written a frame within `recording.start_timeout_ms` of its start ends FAILED with `reason: "start_failed"` (and an `error` saying what failed), keeps no file, and the camera is no longer recording.',
        'The file is `<camera>_<YYYY-MM-DD_HH-MM-SS>.mp4` (`.mkv` for mkv), UTC start time.',
        '`fmp4` (default) is fragmented MP4, playable up to its last fragment after a crash; `mp4` is written fragmented and remuxed to a progressive MP4 when it ends; `mkv` is Matroska.',
        'Past `recording.segment_duration_s` the recording continues into `<name>_part2.<ext>`, `_part3`, ... (cut at keyframes).',
        'Every ending sends `recording_status_update` with `reason`: STOPPED for `stopped`, `duration_reached`, `camera_disconnected`, `service_shutdown`; FAILED for `disk_full`, `stream_lost`, `recorder_failed`, `start_failed`.',
        'Below the free-space floor (`storage.min_free_bytes`), or when the disk is full, the start is refused with -32050, `data.reason: "disk_full"`; a recordings folder that cannot be written with `data.reason: "storage_not_writable"` (both `data.dependency: "storage"`); an FFmpeg that cannot be run with `"ffmpeg_missing"`.',
      ].join(' '),
      errors: [-32010, -32020, -32050],
      params: t.object({
        device: camera,
        duration: t.optional(t.integer({ minimum: 1, maximum: 86400, description: 'seconds; the recording stops by itself' })),
        format: t.optional(t.enum(RECORDING_FORMATS as readonly ['fmp4', 'mp4', 'mkv'])),
      }),
      result: t.object({ device: t.string(), filename: t.string(), status: t.enum(['RECORDING'] as const), start_time: t.string(), format: t.string(), download_url: t.string() }),
      handler: async ({ device, duration, format }, ctx) => {
        try {
          const s = await recordings.start(device, { ...(duration !== undefined ? { durationS: duration } : {}), ...(format ? { format } : {}) });
          return { device, filename: s.filename, status: 'RECORDING' as const, start_time: iso(s.startedAt), format: s.format, download_url: link('recordings', s.filename, ctx) };
        } catch (err) {
          throw recordingError(err, device);
        }
      },
    }),
    defineMethod({
      name: 'stop_recording',
      minRole: 'operator',
      summary: 'Stops the camera\'s recording; answers at once, the file is finalized right after.',
      description: [
        'Answers as soon as the recorder is told to finish, with the figures of that moment: `duration` (media seconds written) and `file_size` (bytes on disk).',
        'FFmpeg then writes its trailer (and `mp4` is remuxed to a progressive file, through a temporary file renamed over it); `recording_status_update` STOPPED (or FAILED) follows once the file is final, with the final `duration` (read from the file) and `file_size`.',
        'Meanwhile the file is listed (with its current size) and downloadable, and plays up to its last written fragment or cluster; `get_recording_info` says `recording: true` and `delete_recording` refuses it (-32020) until it is final.',
        'The camera is free at once: a new start_recording right after the stop records to a new file.',
      ].join(' '),
      errors: [-32020],
      params: t.object({ device: camera }),
      result: t.object({
        device: t.string(), filename: t.string(), status: t.enum(['STOPPED', 'FAILED'] as const), start_time: t.string(), end_time: t.string(),
        duration: t.number(), file_size: t.integer(), format: t.string(), parts: t.array(t.string()), reason: t.string(),
      }),
      handler: async ({ device }) => {
        try {
          const e = await recordings.stop(device);
          return {
            device, filename: e.filename, status: e.status, start_time: iso(e.startedAt), end_time: iso(e.endedAt),
            duration: e.duration, file_size: e.file_size, format: e.format, parts: e.parts, reason: e.reason,
          };
        } catch (err) {
          throw recordingError(err, device);
        }
      },
    }),
    list('recordings'),
    list('snapshots'),
    defineMethod({
      name: 'get_recording_info',
      minRole: 'viewer',
      summary: 'Size, duration (read from the file) and times of a recording.',
      description: '`duration` is read from the file with ffprobe and cached (null when unreadable); `recording` is true while the file is being written.',
      errors: [-32010],
      params: t.object({ filename }),
      result: t.object({
        filename: t.string(), file_size: t.integer(), duration: t.unknown({ description: 'seconds, or null when the file has no readable duration' }),
        created_time: t.string(), modified_time: t.string(), download_url: t.string(), recording: t.boolean(),
      }),
      handler: async ({ filename: name }, ctx) => {
        checkName(name);
        const f = await library.info('recordings', name);
        if (!f) throw rpcErrors.notFound('recording', name);
        const duration = await library.duration(f);
        return {
          filename: name, file_size: f.size, duration: duration === null ? null : Math.round(duration * 1000) / 1000, created_time: iso(f.createdMs),
          modified_time: iso(f.mtimeMs), download_url: link('recordings', name, ctx), recording: library.isBusy('recordings', name),
        };
      },
    }),
    defineMethod({
      name: 'get_snapshot_info',
      minRole: 'viewer',
      summary: 'Size and times of a snapshot.',
      errors: [-32010],
      params: t.object({ filename }),
      result: t.object({ filename: t.string(), file_size: t.integer(), created_time: t.string(), modified_time: t.string(), download_url: t.string() }),
      handler: async ({ filename: name }, ctx) => {
        checkName(name);
        const f = await library.info('snapshots', name);
        if (!f) throw rpcErrors.notFound('snapshot', name);
        return { filename: name, file_size: f.size, created_time: iso(f.createdMs), modified_time: iso(f.mtimeMs), download_url: link('snapshots', name, ctx) };
      },
    }),
    remove('recordings'),
    remove('snapshots'),
    defineMethod({
      name: 'get_storage_info',
      minRole: 'admin',
      summary: 'Space of the recordings file system (statfs) and the sizes of the recordings and snapshots directories, recordings in progress included.',
      params: t.object({}),
      result: t.object({
        total_space: t.integer(), used_space: t.integer(), available_space: t.integer(), usage_percentage: t.number(),
        recordings_size: t.integer(), snapshots_size: t.integer(), low_space_warning: t.boolean(),
        threshold_percent: t.number(), min_free_bytes: t.integer(), below_floor: t.boolean(),
      }),
      handler: async () => {
        // Sizes now, including the parts of recordings being written.
        await Promise.all([media.storage.check(), media.storage.refreshSizes()]);
        const info = media.storage.info();
        const { lowSpacePercent, minFreeBytes } = media.storage.limits;
        return { ...info, threshold_percent: lowSpacePercent, min_free_bytes: minFreeBytes, below_floor: info.available_space < minFreeBytes };
      },
    }),
    defineMethod({
      name: 'set_retention_policy',
      minRole: 'admin',
      summary: 'Sets the retention policy (age, size or manual); it survives restarts.',
      description: [
        '`age` deletes files older than `max_age_days`; `size` deletes the oldest files until recordings and snapshots fit in `max_size_gb` (GiB, 1024³ bytes);',
        'both run every `retention.cleanup_interval_s` and on cleanup_old_files. `manual` deletes only on cleanup_old_files, applying whichever limits are set.',
        '`enabled: false` deletes nothing. A limit left out keeps its previous value. Oldest first; never a file being written.',
      ].join(' '),
      params: t.object({
        policy_type: t.enum(['age', 'size', 'manual'] as const),
        enabled: t.boolean(),
        max_age_days: t.optional(t.number({ minimum: 0, maximum: 36500 })),
        max_size_gb: t.optional(t.number({ minimum: 0, maximum: 1000000, description: 'GiB (1024³ bytes)' })),
      }),
      result: t.object({ policy_type: t.string(), max_age_days: t.unknown(), max_size_gb: t.unknown(), enabled: t.boolean(), message: t.string() }),
      handler: (req) => {
        const r = normalizePolicy(req, media.retention.policy);
        if (!r.ok) throw rpcErrors.invalidParams(r.param, r.rule, r.reason);
        media.retention.setPolicy(r.policy);
        return { ...r.policy, message: `retention policy ${r.policy.policy_type} ${r.policy.enabled ? 'enabled' : 'disabled'}` };
      },
    }),
    defineMethod({
      name: 'cleanup_old_files',
      minRole: 'admin',
      summary: 'Applies the retention policy now: deletes the oldest recordings and snapshots it selects, never a file being written.',
      params: t.object({}),
      result: t.object({ cleanup_executed: t.boolean(), files_deleted: t.integer(), space_freed: t.integer(), message: t.string(), deleted_files: t.array(t.string()) }),
      handler: async () => {
        const r = await media.retention.run('on_demand');
        return { cleanup_executed: r.cleanup_executed, files_deleted: r.files_deleted, space_freed: r.space_freed, message: r.message, deleted_files: r.deleted.map((f) => `${f.kind}/${f.name}`) };
      },
    }),
  ];
}
