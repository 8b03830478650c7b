/**
 * What the API reads from modules it does not own, as small functions that those modules'
 * wiring fills in (src/app/*.ts). Until a module sets its provider the defaults answer: the
 * camera monitor is STOPPED, and stream and recording figures are zeros.
 *
 *   app.apiProviders.cameraMonitor = () => discovery.running ? 'RUNNING' : 'STOPPED';
 *   app.apiProviders.streamMetrics = () => ({ active_streams, total_streams, total_viewers });
 */
import type { ComponentState } from './health/status.js';

export interface StreamFigures {
  active_streams: number;
  total_streams: number;
  total_viewers: number;
}

export interface RecordingFigures {
  active_recordings: number;
  /** Further figures a recording module reports are passed through. */
  [field: string]: number | string | boolean;
}

export interface ApiProviders {
  /** State of camera discovery (the "camera monitor" of get_status). */
  cameraMonitor: () => ComponentState;
  /** Per-camera figures merged into get_metrics' `camera_metrics.cameras[<id>]`. */
  cameraMetrics?: () => Record<string, Record<string, unknown>> | Promise<Record<string, Record<string, unknown>>>;
  streamMetrics?: () => StreamFigures | Promise<StreamFigures>;
  recordingMetrics?: () => RecordingFigures | Promise<RecordingFigures>;
}

export function defaultProviders(): ApiProviders {
  return { cameraMonitor: () => 'STOPPED' };
}
