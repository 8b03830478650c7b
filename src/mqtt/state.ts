/** The retained state document of one camera (`<prefix>/cameras/<id>/state`). Pure. */
import type { Camera } from '../cameras/registry.js';

export interface RecordingState {
  filename: string;
  format: string;
  /** Epoch ms. */
  startedAt: number;
}

export interface StreamUrls {
  rtsp: string;
  hls: string;
  webrtc: string;
}

export interface CameraState {
  device: string;
  name: string;
  kind: string;
  status: string;
  /** Epoch ms of the last status change, as ISO 8601. */
  since: string;
  mode: { format: string; width: number; height: number; fps: number } | null;
  resolution: string;
  fps: number;
  streams: StreamUrls;
  recording: { active: boolean; filename: string | null; format: string | null; start_time: string | null };
}

export function cameraState(c: Camera, streams: StreamUrls, recording: RecordingState | undefined): CameraState {
  return {
    device: c.id,
    name: c.name,
    kind: c.kind,
    status: c.status,
    since: new Date(c.since).toISOString(),
    mode: c.mode ? { format: c.mode.format, width: c.mode.width, height: c.mode.height, fps: c.mode.fps } : null,
    resolution: c.mode ? `${c.mode.width}x${c.mode.height}` : '',
    fps: c.mode ? Math.round(c.mode.fps) : 0,
    streams,
    recording: recording
      ? { active: true, filename: recording.filename || null, format: recording.format, start_time: new Date(recording.startedAt).toISOString() }
      : { active: false, filename: null, format: null, start_time: null },
  };
}
