/**
 * systemd's service notification protocol (sd_notify) without native code.
 *
 * systemd hands a `Type=notify` service a unix *datagram* socket in `NOTIFY_SOCKET`. Node
 * cannot send unix datagrams, so each message is sent by the `systemd-notify` tool (part of
 * systemd, present on every systemd host). The tool runs as a child of this process, so the
 * unit needs `NotifyAccess=all`; without `--no-block` the tool waits until systemd has
 * processed the message (a BARRIER=1 round trip), which keeps it alive long enough for
 * systemd to attribute the message to the unit's control group.
 *
 * Messages: READY=1 once the service is started (App.start resolved), WATCHDOG=1 from the
 * event loop every half `WATCHDOG_USEC` (a blocked loop stops the pings and systemd restarts
 * the service), STOPPING=1 when a graceful shutdown begins.
 */
import { execFile } from 'node:child_process';

export interface NotifySettings {
  /** Path (or abstract name, starting with `@`) of systemd's notify socket. */
  socket: string;
  /** Interval between WATCHDOG=1 messages (half of WATCHDOG_USEC), when systemd asked for them. */
  watchdogIntervalMs: number | undefined;
}

/** The environment variables systemd sets for the notify protocol. */
export const NOTIFY_ENV = ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID'] as const;

/**
 * Reads the notify settings from an environment, as sd_notify/sd_watchdog_enabled do:
 * no NOTIFY_SOCKET means no notifications; the watchdog is on when WATCHDOG_USEC is a
 * positive integer and WATCHDOG_PID is absent or names this process. Pure.
 */
export function notifySettings(env: NodeJS.ProcessEnv, pid: number): NotifySettings | undefined {
  const socket = env.NOTIFY_SOCKET;
  if (!socket) return undefined;
  let watchdogIntervalMs: number | undefined;
  const usec = env.WATCHDOG_USEC;
  const forPid = env.WATCHDOG_PID;
  if (usec && /^[1-9][0-9]*$/.test(usec) && (!forPid || Number(forPid) === pid)) {
    watchdogIntervalMs = Math.max(1, Math.floor(Number(usec) / 2000));
  }
  return { socket, watchdogIntervalMs };
}

/** `KEY=value` assignments for one message; values lose line breaks (the tool takes one line each). */
export function assignments(fields: Record<string, string | number>): string[] {
  return Object.entries(fields).map(([k, v]) => `${k}=${String(v).replace(/[\r\n]+/g, ' ')}`);
}

export interface NotifierLog {
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export class SystemdNotifier {
  #queue: Promise<unknown> = Promise.resolve();
  #watchdog: NodeJS.Timeout | undefined;
  #watchdogInFlight = false;
  #toolMissing = false;

  constructor(
    readonly settings: NotifySettings | undefined,
    private readonly log: NotifierLog,
    private readonly tool = 'systemd-notify',
  ) {}

  /**
   * Takes the settings from `env` and, like sd_notify's `unset_environment`, removes the
   * variables from it so that children (MediaMTX, FFmpeg) do not inherit systemd's socket.
   */
  static fromEnv(env: NodeJS.ProcessEnv, log: NotifierLog, pid = process.pid): SystemdNotifier {
    const settings = notifySettings(env, pid);
    for (const name of NOTIFY_ENV) delete env[name];
    return new SystemdNotifier(settings, log);
  }

  get enabled(): boolean {
    return this.settings !== undefined;
  }

  /** Sends one message; resolves true once the tool reports it delivered. Never rejects. */
  send(fields: Record<string, string | number>): Promise<boolean> {
    const settings = this.settings;
    if (!settings || this.#toolMissing) return Promise.resolve(false);
    const args = assignments(fields);
    const run = () =>
      new Promise<boolean>((resolve) => {
        execFile(this.tool, args, { env: { ...process.env, NOTIFY_SOCKET: settings.socket }, timeout: 10000 }, (err, _stdout, stderr) => {
          if (!err) return resolve(true);
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
            this.#toolMissing = true;
            this.log.warn({ tool: this.tool }, 'NOTIFY_SOCKET is set but systemd-notify is not installed; systemd notifications are off');
          } else {
            this.log.warn({ err: err.message, stderr: stderr.trim(), message: args }, 'systemd notification failed');
          }
          resolve(false);
        });
      });
    // One tool at a time, in order: READY must not overtake STATUS, STOPPING must not overtake READY.
    const result = this.#queue.then(run);
    this.#queue = result;
    return result;
  }

  ready(status?: string): Promise<boolean> {
    return this.send(status ? { READY: 1, STATUS: status } : { READY: 1 });
  }

  stopping(status = 'stopping'): Promise<boolean> {
    this.stopWatchdog();
    return this.send({ STOPPING: 1, STATUS: status });
  }

  status(text: string): Promise<boolean> {
    return this.send({ STATUS: text });
  }

  /**
   * Sends WATCHDOG=1 every half WATCHDOG_USEC from a timer on the event loop, so a blocked
   * loop stops the pings. A ping is skipped while the previous one is still on its way.
   */
  startWatchdog(): void {
    const every = this.settings?.watchdogIntervalMs;
    if (every === undefined || this.#watchdog) return;
    const ping = () => {
      if (this.#watchdogInFlight) return;
      this.#watchdogInFlight = true;
      void this.send({ WATCHDOG: 1 }).finally(() => (this.#watchdogInFlight = false));
    };
    ping();
    this.#watchdog = setInterval(ping, every);
    this.#watchdog.unref();
    this.log.debug({ everyMs: every }, 'systemd watchdog pings started');
  }

  stopWatchdog(): void {
    clearInterval(this.#watchdog);
    this.#watchdog = undefined;
  }
}
