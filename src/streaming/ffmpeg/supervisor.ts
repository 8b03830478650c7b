/**
 * Supervises one FFmpeg publisher: runs it in its own process group (ManagedChild), reads its
 * `-progress` output, restarts it with backoff when it exits or stalls, and stops it with
 * SIGTERM then SIGKILL. The decisions live in the pure state machine (state.ts); this class
 * only carries them out and reports what happened.
 *
 * Guarantees: at most one process per supervisor at any time (a restart waits until the
 * previous process has exited, so a device never has two openers); after stop()/dispose()
 * resolve, no process of this supervisor is left.
 */
import { EventEmitter } from 'node:events';
import { ManagedChild, type ChildExit } from '../../process/child-process.js';
import { backoffPolicy, type BackoffPolicy } from '../../lib/backoff.js';
import { ProgressParser, type FfmpegProgress } from './progress.js';
import { classifyStderr, describeError, isPermanentError, type ClassifiedError } from './stderr.js';
import { initialModel, step, type StepContext, type SupervisorAction, type SupervisorInput, type SupervisorModel, type SupervisorState } from './state.js';

export interface SupervisorOptions {
  /** The command, or a function called before every (re)start to render it afresh. */
  argv: readonly string[] | (() => readonly string[]);
  /** SIGTERM -> SIGKILL grace period in ms (default 2000). */
  graceMs?: number;
  backoff?: Partial<BackoffPolicy>;
  /** Source of jitter, [0, 1) (default Math.random). */
  random?: () => number;
  /** Consecutive restarts without a stable run before giving up (state `failed`); default unlimited. */
  maxRestarts?: number;
  /** Stall watchdog period in ms (default 5000; 0 disables the watchdog). */
  stallCheckMs?: number;
  /** A process without a first frame this long after its spawn counts as stalled (default 10000). */
  startTimeoutMs?: number;
  /**
   * What the watchdog watches; must grow between two checks or the process is restarted.
   * Default: frames written by the current process (from its progress output). Inject e.g.
   * MediaMTX's inboundBytes of the path. A probe that throws skips that check.
   */
  probe?: () => number | Promise<number>;
  /** stderr lines kept across restarts (default 50). */
  keepLines?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface StateChange {
  state: SupervisorState;
  previous: SupervisorState;
  reason: string;
  /** Epoch ms. */
  at: number;
}

export interface ProcessExit {
  pid: number | null;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Epoch ms. */
  at: number;
  /** How long the process ran (ms). */
  ranMs: number;
  /** True when the supervisor asked it to stop (stop(), stall restart). */
  requested: boolean;
  /** The most specific recognized error among its last stderr lines. */
  error: ClassifiedError | null;
  /** e.g. "exit code 1: the device is busy (opened by another process)" */
  summary: string;
}

export interface SupervisorStatus {
  state: SupervisorState;
  reason: string;
  /** A process of this supervisor is alive. */
  running: boolean;
  pid: number | null;
  /** Epoch ms the current process was spawned, null without one. */
  spawnedAt: number | null;
  /** Epoch ms the current process wrote its first frame, null before. */
  firstFrameAt: number | null;
  /** ms since the first frame of the current process (0 when not running). */
  uptimeMs: number;
  restarts: number;
  lastExit: ProcessExit | null;
  /** Latest progress report of the current process. */
  progress: FfmpegProgress | null;
  /** Last stderr lines, oldest first, across restarts. */
  stderr: string[];
  /** The command of the current or last process. */
  argv: readonly string[];
}

export interface SupervisorEvents {
  state: [change: StateChange];
  spawn: [info: { pid: number | null; argv: readonly string[] }];
  /** The first progress report with frames > 0 of a process ("FFmpeg started -> first frame"). */
  started: [info: { pid: number | null; afterMs: number }];
  progress: [progress: FfmpegProgress];
  exit: [exit: ProcessExit];
  line: [stream: 'stdout' | 'stderr', line: string];
}

const SPAWN_ERRORS_PERMANENT = new Set(['ENOENT', 'EACCES', 'ENOEXEC']);

export class FfmpegSupervisor extends EventEmitter<SupervisorEvents> {
  readonly #opts: SupervisorOptions;
  readonly #ctx: StepContext;
  readonly #graceMs: number;
  readonly #keep: number;
  readonly #stallCheckMs: number;
  readonly #startTimeoutMs: number;
  #model: SupervisorModel = initialModel();
  #queue: SupervisorInput[] = [];
  #processing = false;
  #settledWaiters: (() => void)[] = [];
  #disposed = false;

  #child: ManagedChild | undefined;
  #childErrors = new WeakMap<ManagedChild, Error>();
  #childStderr: string[] = [];
  #spawnedAt: number | null = null;
  #firstFrameAt: number | null = null;
  #progress: FfmpegProgress | null = null;
  #argv: readonly string[] = [];
  #stderr: string[] = [];
  #lastExit: ProcessExit | null = null;
  #restartTimer: NodeJS.Timeout | undefined;
  #watchdog: NodeJS.Timeout | undefined;

  constructor(opts: SupervisorOptions) {
    super();
    this.#opts = opts;
    this.#ctx = {
      policy: backoffPolicy(opts.backoff),
      random: opts.random ?? Math.random,
      maxRestarts: opts.maxRestarts ?? Number.POSITIVE_INFINITY,
    };
    this.#graceMs = opts.graceMs ?? 2000;
    this.#keep = opts.keepLines ?? 50;
    this.#stallCheckMs = opts.stallCheckMs ?? 5000;
    this.#startTimeoutMs = opts.startTimeoutMs ?? 10_000;
  }

  get state(): SupervisorState {
    return this.#model.state;
  }

  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  /** Starts the process (no-op while already starting, running or backing off). */
  start(): void {
    if (this.#disposed) throw new Error('supervisor disposed');
    this.#dispatch({ type: 'start' });
  }

  /** Stops the process (SIGTERM, SIGKILL after the grace period); resolves once it has exited. */
  stop(): Promise<void> {
    this.#dispatch({ type: 'stop' });
    return this.#settled();
  }

  /** Stops, cancels every timer and drops listeners. The supervisor cannot be started again. */
  async dispose(): Promise<void> {
    this.#disposed = true;
    await this.stop();
    this.#stopWatchdog();
    this.removeAllListeners();
  }

  status(): SupervisorStatus {
    const child = this.#child;
    return {
      state: this.#model.state,
      reason: this.#model.reason,
      running: child?.running ?? false,
      pid: child?.pid ?? null,
      spawnedAt: child ? this.#spawnedAt : null,
      firstFrameAt: child ? this.#firstFrameAt : null,
      uptimeMs: child && this.#firstFrameAt !== null ? Date.now() - this.#firstFrameAt : 0,
      restarts: this.#model.restarts,
      lastExit: this.#lastExit,
      progress: child ? this.#progress : null,
      stderr: [...this.#stderr],
      argv: this.#argv,
    };
  }

  // --- state machine plumbing ---

  #dispatch(input: SupervisorInput): void {
    this.#queue.push(input);
    if (this.#processing) return; // re-entrant call (from a listener): handled after the current input
    this.#processing = true;
    try {
      for (let next = this.#queue.shift(); next; next = this.#queue.shift()) {
        const previous = this.#model;
        const { model, actions } = step(previous, next, this.#ctx);
        this.#model = model;
        // Actions first, so the model and the processes agree even if a listener throws.
        for (const action of actions) this.#run(action);
        if (model.state !== previous.state) {
          this.emit('state', { state: model.state, previous: previous.state, reason: model.reason, at: Date.now() });
        }
      }
    } finally {
      this.#processing = false;
    }
    if (this.#model.state !== 'stopping' && !this.#model.childAlive) {
      const waiters = this.#settledWaiters;
      this.#settledWaiters = [];
      for (const w of waiters) w();
    }
  }

  #settled(): Promise<void> {
    if (this.#model.state !== 'stopping' && !this.#model.childAlive) return Promise.resolve();
    return new Promise((resolve) => this.#settledWaiters.push(resolve));
  }

  #run(action: SupervisorAction): void {
    switch (action.type) {
      case 'spawn':
        this.#spawn();
        break;
      case 'kill':
        void this.#child?.stop(this.#graceMs);
        break;
      case 'schedule_restart':
        clearTimeout(this.#restartTimer);
        this.#restartTimer = setTimeout(() => {
          this.#restartTimer = undefined;
          this.#dispatch({ type: 'timer' });
        }, action.delayMs);
        break;
      case 'cancel_restart':
        clearTimeout(this.#restartTimer);
        this.#restartTimer = undefined;
        break;
      case 'started':
        this.emit('started', { pid: this.#child?.pid ?? null, afterMs: (this.#firstFrameAt ?? Date.now()) - (this.#spawnedAt ?? Date.now()) });
        break;
    }
  }

  // --- the process ---

  #spawn(): void {
    this.#progress = null;
    this.#firstFrameAt = null;
    this.#childStderr = [];
    this.#spawnedAt = Date.now();
    let child: ManagedChild;
    try {
      const argv = typeof this.#opts.argv === 'function' ? this.#opts.argv() : this.#opts.argv;
      this.#argv = [...argv];
      child = new ManagedChild({ argv: this.#argv, env: this.#opts.env, cwd: this.#opts.cwd, keepLines: this.#keep });
    } catch (err) {
      // Could not even build the command: report it as an exit that a restart cannot fix.
      const summary = `could not start: ${(err as Error).message}`;
      this.#recordExit({ pid: null, code: null, signal: null, at: Date.now(), ranMs: 0, requested: false, error: null, summary });
      this.#dispatch({ type: 'exited', ranMs: 0, summary, permanent: true }); // queued: runs after this action
      return;
    }
    this.#child = child;
    const parser = new ProgressParser();
    child.on('line', (stream, line) => {
      if (this.#child !== child) return;
      this.emit('line', stream, line);
      if (stream === 'stderr') {
        push(this.#stderr, line, this.#keep);
        push(this.#childStderr, line, this.#keep);
        return;
      }
      const progress = parser.push(line);
      if (!progress) return;
      this.#progress = progress;
      this.emit('progress', progress);
      if (progress.frame > 0 && this.#firstFrameAt === null) {
        this.#firstFrameAt = Date.now();
        this.#dispatch({ type: 'first_frame' });
      }
    });
    child.on('error', (err) => this.#childErrors.set(child, err));
    child.once('exit', (exit) => this.#onExit(child, exit));
    this.emit('spawn', { pid: child.pid ?? null, argv: this.#argv });
    this.#startWatchdog(child);
  }

  #onExit(child: ManagedChild, exit: ChildExit): void {
    if (this.#child !== child) return;
    this.#stopWatchdog();
    const requested = this.#model.state === 'stopping' || this.#model.state === 'backoff';
    const spawnError = this.#childErrors.get(child) as NodeJS.ErrnoException | undefined;
    const error = classifyStderr(this.#childStderr) ?? null;
    const ranMs = Math.max(0, exit.at - (this.#spawnedAt ?? exit.at));
    let summary: string;
    let permanent = false;
    if (child.pid === undefined) {
      summary = `could not start ${this.#argv[0] ?? 'process'}: ${spawnError?.message ?? 'spawn failed'}`;
      permanent = SPAWN_ERRORS_PERMANENT.has(spawnError?.code ?? '');
    } else {
      const how = exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
      summary = error ? `${how}: ${describeError(error.code)}` : how;
      permanent = error !== null && isPermanentError(error.code);
    }
    this.#child = undefined;
    this.#recordExit({ pid: child.pid ?? null, code: exit.code, signal: exit.signal, at: exit.at, ranMs, requested, error, summary });
    this.#dispatch({ type: 'exited', ranMs, summary, permanent });
  }

  #recordExit(exit: ProcessExit): void {
    this.#lastExit = exit;
    this.emit('exit', exit);
  }

  // --- stall watchdog ---

  /**
   * While starting: the first frame must come within startTimeoutMs. While running: the probe
   * must grow between two checks (the first check after the first frame sets the baseline).
   */
  #startWatchdog(child: ManagedChild): void {
    this.#stopWatchdog();
    if (this.#stallCheckMs <= 0) return;
    const probe = this.#opts.probe ?? (() => this.#progress?.frame ?? 0);
    const what = this.#opts.probe ? 'probe' : 'frame count';
    let last: number | undefined;
    let busy = false;
    this.#watchdog = setInterval(() => {
      if (busy || this.#child !== child) return;
      if (this.#model.state === 'starting') {
        const waited = Date.now() - (this.#spawnedAt ?? Date.now());
        if (waited >= this.#startTimeoutMs) this.#dispatch({ type: 'stalled', detail: `no frame within ${this.#startTimeoutMs / 1000} s of starting` });
        return;
      }
      if (this.#model.state !== 'running') return;
      busy = true;
      void (async () => {
        let value: number | undefined;
        try {
          value = await probe();
        } catch {
          value = undefined; // cannot tell: skip this check
        }
        busy = false;
        if (this.#child !== child || this.#model.state !== 'running' || value === undefined) return;
        if (last === undefined || value > last) {
          last = value;
          return;
        }
        this.#dispatch({ type: 'stalled', detail: `${what} stayed at ${value} for ${this.#stallCheckMs / 1000} s` });
      })();
    }, this.#stallCheckMs);
  }

  #stopWatchdog(): void {
    clearInterval(this.#watchdog);
    this.#watchdog = undefined;
  }
}

function push(ring: string[], line: string, keep: number): void {
  ring.push(line);
  if (ring.length > keep) ring.splice(0, ring.length - keep);
}
