/**
 * How a recording ends, in the terms the API reports: end statuses and reasons, the reason
 * of an FFmpeg exit, the errors of a refused start. Pure, but for the wait for an unplug report.
 */
import type { CameraRegistry } from '../cameras/registry.js';
import type { RecorderExit } from './recorder.js';
import { classifyMediaFailure } from './failure.js';
import type { RecordingFormat } from './names.js';

export type EndStatus = 'STOPPED' | 'FAILED';
export type EndReason = 'stopped' | 'duration_reached' | 'camera_disconnected' | 'service_shutdown' | 'disk_full' | 'stream_lost' | 'recorder_failed' | 'start_failed';

/** How long a lost stream waits for discovery to report its camera gone. */
export const UNPLUG_SETTLE_MS = 2000;

const FAILURES: ReadonlySet<EndReason> = new Set(['disk_full', 'stream_lost', 'recorder_failed', 'start_failed']);

export const isFailure = (reason: EndReason): boolean => FAILURES.has(reason);

export interface SessionInfo {
  device: string;
  filename: string;
  format: RecordingFormat;
  /** Epoch ms. */
  startedAt: number;
}

export interface ProgressInfo extends SessionInfo {
  duration: number;
  file_size: number;
  parts: number;
}

export interface EndInfo extends SessionInfo {
  status: EndStatus;
  reason: EndReason;
  /** Epoch ms. */
  endedAt: number;
  /** Seconds of media, read from the files. */
  duration: number;
  file_size: number;
  parts: string[];
  /** What went wrong, for FAILED. */
  error?: string;
}

export class RecordingError extends Error {
  constructor(
    readonly code: 'not_found' | 'busy' | 'not_connected' | 'not_recording' | 'disk_full' | 'not_writable' | 'ffmpeg_missing' | 'start_failed' | 'closed',
    message: string,
    readonly state?: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'RecordingError';
  }
}

/** Why a recording ended, from FFmpeg's exit, a requested end, and the camera's status. */
export function endReasonOf(exit: RecorderExit, stopReason: EndReason | undefined, cameraStatus: string | undefined): EndReason {
  if (exit.diskFull) return 'disk_full';
  if (stopReason) return stopReason;
  if (cameraStatus !== 'CONNECTED') return 'camera_disconnected';
  // Exit 0 without being asked: the input ended (publisher or MediaMTX went away).
  return exit.code === 0 ? 'stream_lost' : 'recorder_failed';
}

/** The error of a refused start_recording, by kind of failure. */
export function startError(err: unknown, device: string, ffmpegBinary: string): RecordingError {
  if (err instanceof RecordingError) return err;
  const detail = (err as Error).message;
  switch (classifyMediaFailure(err)) {
    case 'disk_full':
      return new RecordingError('disk_full', 'the recordings disk is full', undefined, detail);
    case 'storage_not_writable':
      return new RecordingError('not_writable', `the recordings folder is not writable (${(err as NodeJS.ErrnoException).code ?? 'write refused'})`, undefined, detail);
    case 'ffmpeg_missing':
      return new RecordingError('ffmpeg_missing', `FFmpeg (${ffmpegBinary}) cannot be run`, undefined, detail);
    default:
      return new RecordingError('start_failed', `the recording of ${device} could not be started`, undefined, detail);
  }
}

/** Resolves true when the camera is (or becomes within `ms`) not CONNECTED. */
export function disconnectsWithin(registry: CameraRegistry, device: string, ms: number): Promise<boolean> {
  if (registry.get(device)?.status !== 'CONNECTED') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (v: boolean) => {
      clearTimeout(timer);
      registry.off('change', onChange);
      resolve(v);
    };
    const onChange = (c: { id: string; status: string }) => c.id === device && c.status !== 'CONNECTED' && done(true);
    const timer = setTimeout(() => done(false), ms);
    registry.on('change', onChange);
  });
}
