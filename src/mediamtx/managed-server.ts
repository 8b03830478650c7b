/**
 * Managed mode: MediaMTX as a child of the service. Writes its config, starts it in its own
 * process group, forwards its log lines, and restarts it with the service's one backoff policy
 * (`restart_delay_ms` doubling to 30 s, reset after a stable minute) when it exits unexpectedly.
 * A listener port held by another process is reported once, with the address. stop() ends it
 * (SIGTERM, then SIGKILL).
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Config } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import { ManagedChild, type ChildExit } from '../process/child-process.js';
import { attemptAfterRun, backoffDelay, backoffPolicy, type BackoffPolicy } from '../lib/backoff.js';
import { processesWithArgv, terminate } from '../process/stale.js';
import { renderManagedConfig, type MediaTlsFiles } from './managed-config.js';

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
  /** MediaMTX exited because another process holds one of its ports (emitted with the first report of each address). */
  port_busy: [address: string];
}

export class ManagedMediaMtx extends EventEmitter<ManagedServerEvents> {
  #child: ManagedChild | undefined;
  #stopping = false;
  #restartTimer: NodeJS.Timeout | undefined;
  failed: Error | undefined;
  /** Written into MediaMTX's config (`sysLogPrefix`, unused otherwise) to tell this service's MediaMTX from another one answering on the API port. */
  readonly marker = `camera-service-${randomBytes(8).toString('hex')}`;
  /** What the MediaMTX API requires (a fresh password per run; only in its config file, mode 0600). */
  readonly apiCredentials = { user: 'camera-service', pass: randomBytes(18).toString('base64url') };
  /** What publishing requires (the service's FFmpeg publishers only; issue 15 defect 6). */
  readonly publishCredentials = { user: 'publisher', pass: randomBytes(18).toString('base64url') };
  /** What the service's own readers (recorders, snapshots, live tap) present when media authentication is on. */
  readonly readCredentials = { user: 'camera-service-reader', pass: randomBytes(18).toString('base64url') };
  /** The URL of the media authentication hook (`mediamtx.media_auth: token`), read when the config is written. */
  authHook: (() => string) | undefined;
  readonly #policy: BackoffPolicy;
  #attempt = 0;
  /** Addresses whose "in use" was already reported (until a stable run). */
  readonly #reportedBusy = new Set<string>();

  constructor(
    private readonly cfg: Config['mediamtx'],
    private readonly binary: string,
    private readonly configFile: string,
    private readonly log: Logger,
    private readonly random: () => number = Math.random,
    /** Server TLS pair (absolute paths): RTSPS, HLS and WebRTC signalling over HTTPS. */
    private readonly tls?: MediaTlsFiles,
  ) {
    super();
    this.#policy = backoffPolicy({ baseMs: cfg.restart_delay_ms, capMs: Math.max(30_000, cfg.restart_delay_ms) });
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
    rmSync(tmp, { force: true });
    writeFileSync(tmp, renderManagedConfig(this.cfg, this.marker, this.apiCredentials, this.publishCredentials, this.tls, this.authHook?.()), { mode: 0o600 });
    renameSync(tmp, this.configFile);
    this.#spawn();
  }

  #spawn(): void {
    const child = new ManagedChild({ argv: [this.binary, this.configFile], keepLines: 50 });
    this.#child = child;
    child.on('line', (_stream, line) => {
      const busy = addressInUse(line);
      if (busy && this.#reportedBusy.has(busy)) return this.log.debug({ mediamtx: line }, 'mediamtx');
      this.log.info({ mediamtx: line }, 'mediamtx');
      if (busy) {
        this.#reportedBusy.add(busy);
        const port = Number(busy.slice(busy.lastIndexOf(':') + 1));
        this.log.error({ address: busy, port }, `MediaMTX cannot listen on ${busy}: port ${port} is in use by another process; retrying with backoff (reported once)`);
        this.emit('port_busy', busy);
      }
    });
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
      const ranMs = exit.at - child.startedAt;
      this.#attempt = attemptAfterRun(this.#attempt, ranMs, this.#policy);
      if (ranMs >= this.#policy.stableAfterMs) this.#reportedBusy.clear();
      const delay = backoffDelay(this.#attempt++, this.#policy, this.random);
      this.log.warn({ code: exit.code, signal: exit.signal, ranMs, restartInMs: delay, attempt: this.#attempt }, 'mediamtx exited; restarting');
      this.#restartTimer = setTimeout(() => this.#spawn(), delay);
    });
    if (child.pid !== undefined) {
      this.log.info({ pid: child.pid, binary: this.binary }, 'mediamtx started');
      this.emit('started', child.pid);
    }
  }

  /** Delay of the restart that would follow an exit now (for tests and diagnostics). */
  get attempt(): number {
    return this.#attempt;
  }

  async stop(graceMs = 3000): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    await this.#child?.stop(graceMs);
  }
}

/** The address of a MediaMTX "listen ...: bind: address already in use" line, else undefined. */
export function addressInUse(line: string): string | undefined {
  return /listen (?:tcp|udp)\d? (\S+): bind: address already in use/.exec(line)?.[1];
}
