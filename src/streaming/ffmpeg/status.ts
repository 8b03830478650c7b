/**
 * The FFmpeg half of `get_stream_status` (API contract): stream status, `ffmpeg_process` and
 * the frame metrics, from a supervisor's status. Pure. Byte counts and bitrate of an RTSP
 * publisher are not known to FFmpeg (N/A in its progress); take them from MediaMTX's
 * `inboundBytes` of the path.
 */
import type { SupervisorStatus } from './supervisor.js';
import type { SupervisorState } from './state.js';

export type StreamStatusCode = 'ACTIVE' | 'INACTIVE' | 'ERROR' | 'STARTING' | 'STOPPING';

/** backoff (a crash or stall, restart pending) and failed (given up) both show as ERROR. */
const STATUS: Record<SupervisorState, StreamStatusCode> = {
  idle: 'INACTIVE',
  starting: 'STARTING',
  running: 'ACTIVE',
  backoff: 'ERROR',
  stopping: 'STOPPING',
  stopped: 'INACTIVE',
  failed: 'ERROR',
};

export interface FfmpegStreamFields {
  status: StreamStatusCode;
  ffmpeg_process: { running: boolean; pid: number | null; uptime: number };
  metrics: { frames_sent: number; fps: number };
}

export function streamStatusFields(s: SupervisorStatus): FfmpegStreamFields {
  return {
    status: STATUS[s.state],
    ffmpeg_process: { running: s.running, pid: s.pid, uptime: Math.floor(s.uptimeMs / 1000) },
    metrics: { frames_sent: s.progress?.frame ?? 0, fps: s.progress?.fps ?? 0 },
  };
}
