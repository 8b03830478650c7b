/**
 * One recording session's state (see recordings.ts): where it stands, its recorder, how it
 * was asked to end, and the promises its manager settles (`done` once it has ended,
 * `cancelled` to give up a start).
 */
import type { RecorderProcess } from './recorder.js';
import type { EndInfo, EndReason, SessionInfo } from './recording-outcome.js';

export interface Session {
  info: SessionInfo;
  base: string;
  ext: 'mp4' | 'mkv';
  /** The session's stream user. */
  user: string;
  /** `starting` until the recorder runs. */
  state: 'starting' | 'recording' | 'ending';
  /** Epoch ms by which the first frame must be written. */
  startDeadline: number;
  proc: RecorderProcess | undefined;
  stopReason: EndReason | undefined;
  /** Why the start failed (start_failed). */
  startError: string | undefined;
  deferFinalize: boolean;
  timers: NodeJS.Timeout[];
  done: Promise<EndInfo>;
  resolve: (e: EndInfo) => void;
  /** Rejects when the session is ended while starting. */
  cancelled: Promise<never>;
  cancel: (err: Error) => void;
  /** Set once the end is being reported (FFmpeg ended, or the start was given up). */
  finalizing: boolean;
}

export function newSession(info: SessionInfo, ext: 'mp4' | 'mkv', startDeadline: number): Session {
  let resolve!: (e: EndInfo) => void;
  const done = new Promise<EndInfo>((r) => (resolve = r));
  let cancel!: (err: Error) => void;
  const cancelled = new Promise<never>((_r, reject) => (cancel = reject));
  cancelled.catch(() => undefined);
  return {
    info,
    base: '',
    ext,
    user: 'recording',
    state: 'starting',
    startDeadline,
    proc: undefined,
    stopReason: undefined,
    startError: undefined,
    deferFinalize: false,
    timers: [],
    done,
    resolve,
    cancelled,
    cancel,
    finalizing: false,
  };
}

/** A stop asked for by the user (or the duration) lets a recording write its first frame before it takes effect. */
export const keepsFirstFrame = (reason: EndReason | undefined): boolean => reason === 'stopped' || reason === 'duration_reached';
