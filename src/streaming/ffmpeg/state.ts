/**
 * The supervisor's state machine as a pure function: (model, input) -> (model, actions).
 * The adapter (supervisor.ts) turns actions into processes and timers and feeds back what
 * happened as inputs.
 *
 *   idle/stopped/failed --start--> starting --first frame--> running
 *   starting/running --exit or stall--> backoff --timer--> starting     (restart)
 *   starting/running --exit, permanent error or restart limit--> failed
 *   any active state --stop--> stopping --exit--> stopped
 *
 * One process at a time: `spawn` is only ever emitted when no child is alive; a stalled
 * process is killed first and the backoff timer starts only after it has exited.
 */
import { attemptAfterRun, backoffDelay, type BackoffPolicy } from '../../lib/backoff.js';

export const SUPERVISOR_STATES = ['idle', 'starting', 'running', 'backoff', 'stopping', 'stopped', 'failed'] as const;
export type SupervisorState = (typeof SUPERVISOR_STATES)[number];

export interface SupervisorModel {
  state: SupervisorState;
  /** Why the machine is in this state (human-readable). */
  reason: string;
  /** Consecutive restart attempt (drives the backoff delay); reset after a stable run. */
  attempt: number;
  /** Restarts performed over the supervisor's life. */
  restarts: number;
  /** A process exists that has not been seen exiting. */
  childAlive: boolean;
  /** start() arrived while stopping: start again once the process is gone. */
  startAfterStop: boolean;
}

export type SupervisorInput =
  | { type: 'start' }
  | { type: 'stop' }
  | { type: 'first_frame' }
  /** The process exited (or could not be spawned). `summary` describes how, e.g. "exit code 1: device is busy". */
  | { type: 'exited'; ranMs: number; summary: string; permanent: boolean }
  | { type: 'stalled'; detail: string }
  | { type: 'timer' };

export type SupervisorAction =
  | { type: 'spawn' }
  | { type: 'kill' }
  | { type: 'schedule_restart'; delayMs: number }
  | { type: 'cancel_restart' }
  | { type: 'started' };

export interface StepContext {
  policy: BackoffPolicy;
  random: () => number;
  /** Give up (state failed) after this many consecutive restarts without a stable run. */
  maxRestarts: number;
}

export interface StepResult {
  model: SupervisorModel;
  actions: SupervisorAction[];
}

export function initialModel(): SupervisorModel {
  return { state: 'idle', reason: 'not started', attempt: 0, restarts: 0, childAlive: false, startAfterStop: false };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 0)} s`;
}

export function step(model: SupervisorModel, input: SupervisorInput, ctx: StepContext): StepResult {
  const m = model;
  const same: StepResult = { model: m, actions: [] };
  const to = (patch: Partial<SupervisorModel>, actions: SupervisorAction[] = []): StepResult => {
    const next = { ...m, ...patch };
    if (actions.some((a) => a.type === 'spawn')) {
      if (next.childAlive) throw new Error('supervisor invariant: spawn while a process is alive');
      next.childAlive = true;
    }
    return { model: next, actions };
  };

  /** After an unwanted exit: back off and restart, or give up. */
  const afterFailure = (ranMs: number, summary: string, permanent: boolean, reasonPrefix = ''): StepResult => {
    if (permanent) return to({ state: 'failed', childAlive: false, reason: `${reasonPrefix}${summary} (restarting cannot fix this)` });
    const attempt = attemptAfterRun(m.attempt, ranMs, ctx.policy);
    if (attempt >= ctx.maxRestarts) {
      return to({ state: 'failed', childAlive: false, attempt, reason: `${reasonPrefix}${summary}; gave up after ${attempt} restarts` });
    }
    const delayMs = backoffDelay(attempt, ctx.policy, ctx.random);
    return to(
      { state: 'backoff', childAlive: false, attempt: attempt + 1, reason: `${reasonPrefix}${summary}; restarting in ${seconds(delayMs)}` },
      [{ type: 'schedule_restart', delayMs }],
    );
  };

  switch (input.type) {
    case 'start':
      switch (m.state) {
        case 'idle':
        case 'stopped':
        case 'failed':
          return to({ state: 'starting', reason: 'starting', attempt: 0, startAfterStop: false }, [{ type: 'spawn' }]);
        case 'stopping':
          return to({ startAfterStop: true });
        default:
          return same;
      }

    case 'stop':
      switch (m.state) {
        case 'starting':
        case 'running':
          return to({ state: 'stopping', reason: 'stop requested', startAfterStop: false }, [{ type: 'kill' }]);
        case 'backoff':
          // A stalled process may still be on its way out: wait for it.
          if (m.childAlive) return to({ state: 'stopping', reason: 'stop requested', startAfterStop: false }, [{ type: 'cancel_restart' }, { type: 'kill' }]);
          return to({ state: 'stopped', reason: 'stop requested' }, [{ type: 'cancel_restart' }]);
        case 'stopping':
          return to({ startAfterStop: false });
        case 'idle':
        case 'failed':
          return to({ state: 'stopped', reason: 'stop requested' });
        case 'stopped':
          return same;
      }
      return same;

    case 'first_frame':
      if (m.state !== 'starting') return same;
      return to({ state: 'running', reason: 'first frame written' }, [{ type: 'started' }]);

    case 'exited':
      if (!m.childAlive) return same;
      switch (m.state) {
        case 'stopping':
          if (m.startAfterStop) {
            return to({ state: 'starting', reason: 'starting', attempt: 0, startAfterStop: false, childAlive: false }, [{ type: 'spawn' }]);
          }
          return to({ state: 'stopped', reason: `stopped (${input.summary})`, childAlive: false });
        case 'backoff':
          // The stalled process we killed is gone; keep its stall reason.
          return afterFailure(input.ranMs, m.reason, false);
        case 'starting':
        case 'running':
          return afterFailure(input.ranMs, input.summary, input.permanent, m.state === 'starting' ? 'failed to start: ' : '');
        default:
          return to({ childAlive: false });
      }

    case 'stalled':
      if (m.state !== 'starting' && m.state !== 'running') return same;
      return to({ state: 'backoff', reason: `stalled: ${input.detail}` }, [{ type: 'kill' }]);

    case 'timer':
      if (m.state !== 'backoff' || m.childAlive) return same;
      return to({ state: 'starting', reason: `restart ${m.restarts + 1}`, restarts: m.restarts + 1 }, [{ type: 'spawn' }]);
  }
}
