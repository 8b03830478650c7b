/**
 * A child process in its own process group, started from an argv (never a shell string),
 * stopped with SIGTERM to the whole group and SIGKILL after a grace period. Keeps the last
 * stderr/stdout lines in a ring buffer and records the exit code and signal.
 *
 * Every live group is also killed synchronously if the service process exits without
 * stopping it (crash, uncaught exception), so no child outlives the service. When the service
 * is killed outright (kill -9), the kernel tells each child: it is started through
 * `setpriv --pdeathsig` (util-linux), so it gets `parentDeath` (SIGTERM: FFmpeg finalizes its
 * file, MediaMTX shuts down) the moment the service dies. Without setpriv, or for a binary that
 * cannot be found (so the spawn error still reports it), children are started directly.
 *
 * The process's exit is what counts, not the end of its output: a process the child started
 * in another process group (MediaMTX's on-demand hooks) inherits its stdout/stderr and keeps
 * them open. After the exit, the output is drained for at most `drainMs`, then dropped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';
import { redactCredentialsInText } from '../lib/net.js';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Epoch ms. */
  at: number;
}

export interface ChildOptions {
  argv: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Lines of output kept (default 50). */
  keepLines?: number;
  /** Connect stdin as a pipe (default: ignored). */
  stdin?: boolean;
  /** Binary stdout: not split into lines; read `proc.stdout` yourself (default false). */
  rawStdout?: boolean;
  /** After the process exited, how long its output may still be read before the pipes are closed (default 1000 ms). */
  drainMs?: number;
  /** Signal the child gets when the service dies without stopping it (default SIGTERM; null: none). */
  parentDeath?: NodeJS.Signals | null;
}

/** The executable `cmd` runs (a path, or looked up on PATH), or undefined when there is none. */
export function findExecutable(cmd: string, path = process.env.PATH ?? ''): string | undefined {
  const candidates = cmd.includes('/') ? [cmd] : path.split(delimiter).filter((d) => d !== '').map((d) => join(d, cmd));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here
    }
  }
  return undefined;
}

let setprivPath: string | null | undefined;
/** `setpriv` (util-linux), looked up once. */
function setpriv(): string | undefined {
  if (setprivPath === undefined) setprivPath = findExecutable('setpriv') ?? findExecutable('/usr/bin/setpriv') ?? null;
  return setprivPath ?? undefined;
}

/** The argv to spawn: wrapped in `setpriv --pdeathsig SIG --` when that is possible. */
export function withParentDeathSignal(argv: readonly string[], signal: NodeJS.Signals | null, env: NodeJS.ProcessEnv = process.env): readonly string[] {
  const wrapper = signal ? setpriv() : undefined;
  if (!wrapper || !argv[0] || !findExecutable(argv[0], env.PATH ?? '')) return argv;
  return [wrapper, '--pdeathsig', signal!.replace(/^SIG/, ''), '--', ...argv];
}

/** How long the output of an exited process is still read before its pipes are closed. */
export const DEFAULT_DRAIN_MS = 1000;

export interface ChildEvents {
  line: [stream: 'stdout' | 'stderr', line: string];
  exit: [exit: ChildExit];
  error: [err: Error];
}

const liveGroups = new Set<number>();
process.once('exit', () => {
  for (const pgid of liveGroups) killGroup(pgid, 'SIGKILL');
});

function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

export class ManagedChild extends EventEmitter<ChildEvents> {
  readonly proc: ChildProcess;
  readonly startedAt = Date.now();
  readonly lines: string[] = [];
  exit: ChildExit | undefined;
  readonly #keep: number;
  readonly #exited: Promise<ChildExit>;

  constructor(opts: ChildOptions) {
    super();
    if (!opts.argv[0]) throw new Error('empty argv');
    const [cmd, ...args] = withParentDeathSignal(opts.argv, opts.parentDeath === undefined ? 'SIGTERM' : opts.parentDeath, opts.env ?? process.env) as [string, ...string[]];
    this.#keep = opts.keepLines ?? 50;
    this.proc = spawn(cmd, args, {
      detached: true,
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    const pid = this.proc.pid;
    if (pid !== undefined) liveGroups.add(pid);
    this.#exited = new Promise((resolve) => {
      this.proc.once('exit', (code, signal) => {
        if (pid !== undefined) {
          // The leader is gone; reap anything it left in its group.
          killGroup(pid, 'SIGKILL');
          liveGroups.delete(pid);
        }
        this.exit = { code, signal, at: Date.now() };
        resolve(this.exit);
      });
    });
    this.proc.once('error', (err) => {
      if (pid === undefined) {
        this.exit = { code: null, signal: null, at: Date.now() };
        this.emit('error', err);
        this.emit('exit', this.exit);
      } else this.emit('error', err);
    });
    // 'exit' is emitted once the output is drained, so the last lines are kept, but no later
    // than `drainMs` after the process exited: a grandchild in another process group may hold
    // the pipes open for as long as it lives.
    const drained = Promise.all([opts.rawStdout ? this.#drain('stdout') : this.#read('stdout'), this.#read('stderr')]);
    const drainMs = opts.drainMs ?? DEFAULT_DRAIN_MS;
    void this.#exited.then(async (exit) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), drainMs)));
      const outcome = await Promise.race([drained, late]);
      clearTimeout(timer);
      if (outcome === 'late') {
        this.proc.stdout?.destroy();
        this.proc.stderr?.destroy();
      }
      this.emit('exit', exit);
    });
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get running(): boolean {
    return this.proc.pid !== undefined && this.exit === undefined;
  }

  /** Resolves when the process has exited (immediately if it already has). */
  exited(): Promise<ChildExit> {
    return this.exit ? Promise.resolve(this.exit) : this.#exited;
  }

  /** Sends a signal to the whole process group. */
  signal(sig: NodeJS.Signals): boolean {
    return this.proc.pid !== undefined && this.exit === undefined && killGroup(this.proc.pid, sig);
  }

  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves once the process has exited. */
  async stop(graceMs = 2000): Promise<ChildExit> {
    if (this.proc.pid === undefined) return this.exit ?? { code: null, signal: null, at: Date.now() };
    if (this.exit) return this.exit;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      return await this.#exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves when a stream read by the owner has ended. */
  #drain(stream: 'stdout'): Promise<void> {
    const src = this.proc[stream];
    if (!src) return Promise.resolve();
    return new Promise((resolve) => src.once('close', resolve));
  }

  #read(stream: 'stdout' | 'stderr'): Promise<void> {
    const src = this.proc[stream];
    if (!src) return Promise.resolve();
    const rl = createInterface({ input: src, crlfDelay: Infinity });
    rl.on('line', (raw) => {
      // FFmpeg names its input or output URL in errors; the service's own credentials in them never leave here.
      const line = redactCredentialsInText(raw);
      this.lines.push(line);
      if (this.lines.length > this.#keep) this.lines.shift();
      this.emit('line', stream, line);
    });
    return new Promise((resolve) => rl.once('close', resolve));
  }
}
