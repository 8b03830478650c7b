/**
 * Managed mode: MediaMTX as a child of the service. Writes its config, starts it in its own
 * process group, forwards its log lines, and restarts it after `restart_delay_ms` when it exits
 * unexpectedly. stop() ends it (SIGTERM, then SIGKILL).
 */
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Config } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import { ManagedChild, type ChildExit } from '../process/child-process.js';
import { processesWithArgv, terminate } from '../process/stale.js';
import { renderManagedConfig } from './managed-config.js';

export const MEDIAMTX_VERSION = 'v1.20.1';

/** Where the binary comes from: config, $MEDIAMTX_BIN, the provisioning cache, then PATH. */
export function resolveMediaMtxBinary(configured: string, env: NodeJS.ProcessEnv): string {
  if (configured !== '') return configured;
  if (env.MEDIAMTX_BIN) return env.MEDIAMTX_BIN;
  const cache = env.CAMERA_SERVICE_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'camera-service');
  const cached = join(cache, `mediamtx-${MEDIAMTX_VERSION}`, 'mediamtx');
  return existsSync(cached) ? cached : 'mediamtx';
}

export interface ManagedServerEvents {
  started: [pid: number];
  exit: [exit: ChildExit];
  /** The binary could not be executed at all (missing, not executable); no restart follows. */
  spawn_error: [err: Error];
}

export class ManagedMediaMtx extends EventEmitter<ManagedServerEvents> {
  #child: ManagedChild | undefined;
  #stopping = false;
  #restartTimer: NodeJS.Timeout | undefined;
  failed: Error | undefined;

  constructor(
    private readonly cfg: Config['mediamtx'],
    private readonly binary: string,
    private readonly configFile: string,
    private readonly log: Logger,
  ) {
    super();
  }

  get pid(): number | undefined {
    return this.#child?.running ? this.#child.pid : undefined;
  }

  /** Writes the config, ends a MediaMTX an earlier, killed run of the service left behind, and starts MediaMTX. */
  async start(): Promise<void> {
    const stale = await processesWithArgv([this.binary, this.configFile]);
    if (stale.length > 0) {
      this.log.warn({ pids: stale }, 'a MediaMTX left by an earlier run of the service is still running; stopping it');
      await terminate(stale);
    }
    mkdirSync(dirname(this.configFile), { recursive: true });
    const tmp = `${this.configFile}.tmp`;
    writeFileSync(tmp, renderManagedConfig(this.cfg));
    renameSync(tmp, this.configFile);
    this.#spawn();
  }

  #spawn(): void {
    const child = new ManagedChild({ argv: [this.binary, this.configFile], keepLines: 50 });
    this.#child = child;
    child.on('line', (_stream, line) => this.log.info({ mediamtx: line }, 'mediamtx'));
    child.on('error', (err) => {
      this.log.error({ err: err.message, binary: this.binary }, 'mediamtx could not be started');
      if (child.pid === undefined) {
        this.failed = err;
        this.emit('spawn_error', err);
      }
    });
    child.on('exit', (exit) => {
      if (this.#child !== child || child.pid === undefined) return;
      this.emit('exit', exit);
      if (this.#stopping) return;
      this.log.warn({ code: exit.code, signal: exit.signal, restartInMs: this.cfg.restart_delay_ms }, 'mediamtx exited; restarting');
      this.#restartTimer = setTimeout(() => this.#spawn(), this.cfg.restart_delay_ms);
    });
    if (child.pid !== undefined) {
      this.log.info({ pid: child.pid, binary: this.binary }, 'mediamtx started');
      this.emit('started', child.pid);
    }
  }

  async stop(graceMs = 3000): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    await this.#child?.stop(graceMs);
  }
}
