/**
 * The `camera-service` command (started by src/main.ts, its entry).
 *   camera-service [--config FILE]                  run the daemon
 *   camera-service token --role R [--user U] [--ttl S] [--config FILE]
 *                                                    print a JWT signed with the configured secret
 *   camera-service check-config [--config FILE]     validate the configuration and exit
 *   camera-service keys create|list|revoke ...      manage API keys (see src/api/auth/keys-cli.ts)
 * Exit codes: 0 ok, 1 runtime failure, 2 invalid configuration or usage.
 */
import { parseArgs } from 'node:util';
import { ffprobeFor } from './media/probe.js';
import { findExecutable } from './process/child-process.js';
import { checkJwtSettings, mintToken } from './api/auth/jwt.js';
import { KEYS_USAGE, runKeysCommand } from './api/auth/keys-cli.js';
import { isRole } from './api/auth/roles.js';
import { App, packageVersion } from './app.js';
import { loadConfig } from './config/load.js';
import { checkMqttSettings } from './config/mqtt-check.js';
import { checkTlsSettings } from './config/tls-check.js';
import type { Config } from './config/schema.js';
import { createLogger } from './observability/logger.js';
import { TemplateLoadError } from './streaming/templates/catalog.js';
import { SystemdNotifier } from './observability/systemd-notify.js';
import { releaseOptimizingCompilersWhenBusy } from './node-flags.js';

const USAGE = `usage:
  camera-service [--config FILE]                          run the daemon
  camera-service token --role viewer|operator|admin [--user ID] [--ttl SECONDS] [--config FILE]
  camera-service check-config [--config FILE]
${KEYS_USAGE}
  camera-service --version`;

function fail(code: number, lines: string[]): never {
  for (const line of lines) process.stderr.write(`${line}\n`);
  process.exit(code);
}

function configOrExit(file: string | undefined): Config {
  const loaded = loadConfig(file ?? process.env.CAMERA_SERVICE_CONFIG, process.env);
  if (!loaded.ok) fail(2, ['camera-service: invalid configuration:', ...loaded.problems.map((p) => `  ${p}`)]);
  return loaded.config;
}

/** configOrExit plus the checks that read files (the JWT public key, the MQTT certificates, the TLS pair). */
async function checkedConfigOrExit(file: string | undefined): Promise<Config> {
  const config = configOrExit(file);
  const problems = [...(await checkJwtSettings(config.security)).problems, ...checkMqttSettings(config.mqtt), ...checkTlsSettings(config.server)];
  problems.push(...(await missingTools(config.streaming.ffmpeg_binary)));
  if (problems.length > 0) fail(2, ['camera-service: invalid configuration:', ...problems.map((p) => `  ${p}`)]);
  return config;
}

/** FFmpeg and ffprobe must run (`-version`): without them nothing streams, records or probes. */
/**
 * FFmpeg and ffprobe must be there: found on PATH (or at the configured path) and executable.
 * Checked without running them, so a slow machine (or emulation) cannot turn a start-up
 * timeout into a configuration error.
 */
async function missingTools(ffmpeg: string): Promise<string[]> {
  const tools: [string, string][] = [
    ['streaming.ffmpeg_binary', ffmpeg],
    ['streaming.ffmpeg_binary (its ffprobe)', ffprobeFor(ffmpeg)],
  ];
  return tools.flatMap(([key, bin]) => (findExecutable(bin) ? [] : [`${key}: ${bin} is not an executable file${bin.includes('/') ? '' : ' on PATH'}; install ffmpeg or set the key`]));
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        role: { type: 'string' },
        user: { type: 'string' },
        ttl: { type: 'string' },
        label: { type: 'string' },
        'expires-in': { type: 'string' },
        json: { type: 'boolean' },
        version: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    fail(2, [(err as Error).message, USAGE]);
  }
  const { values, positionals } = parsed;
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  if (values.version) return void process.stdout.write(`${packageVersion()}\n`);
  const command = positionals[0] ?? 'run';

  if (command === 'check-config') {
    await checkedConfigOrExit(values.config);
    process.stdout.write('configuration ok\n');
    return;
  }
  if (command === 'token') {
    const config = configOrExit(values.config);
    if (!isRole(values.role)) fail(2, ['token: --role must be viewer, operator or admin', USAGE]);
    const ttl = Number(values.ttl ?? 3600);
    if (!Number.isInteger(ttl) || ttl < 1) fail(2, ['token: --ttl must be a positive whole number of seconds']);
    if (ttl > config.security.jwt_max_lifetime_s) fail(2, [`token: --ttl must be at most security.jwt_max_lifetime_s (${config.security.jwt_max_lifetime_s} s); the service refuses longer-lived tokens`]);
    process.stdout.write(`${await mintToken(config.security.jwt_secret, { role: values.role, user_id: values.user ?? `cli-${values.role}` }, ttl)}\n`);
    return;
  }
  if (command === 'keys') {
    const config = configOrExit(values.config);
    process.exitCode = await runKeysCommand(
      { statePath: config.storage.state_path, args: positionals.slice(1), role: values.role, label: values.label, expiresIn: values['expires-in'], json: values.json },
      { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) },
    );
    return;
  }
  if (command !== 'run') fail(2, [`unknown command '${command}'`, USAGE]);

  const config = await checkedConfigOrExit(values.config);
  const log = createLogger(config.logging.level);
  // systemd (Type=notify): READY=1 once started, WATCHDOG=1 pings, STOPPING=1 on shutdown.
  const notifier = SystemdNotifier.fromEnv(process.env, log.child({ module: 'systemd' }));
  let app: App;
  try {
    app = new App(config, log);
  } catch (err) {
    // A bad FFmpeg template is a configuration problem: exit 2, naming the file.
    fail(err instanceof TemplateLoadError ? 2 : 1, [`camera-service: ${(err as Error).message}`]);
  }

  let exiting = false;
  let stopCompilerWatch = (): void => undefined;
  const shutdown = (signal: string) => {
    if (exiting) return;
    exiting = true;
    stopCompilerWatch();
    log.info({ signal }, 'shutdown requested');
    const deadline = setTimeout(() => {
      log.error({ timeoutMs: config.server.shutdown_timeout_ms }, 'graceful shutdown timed out; exiting');
      process.exit(1);
    }, config.server.shutdown_timeout_ms);
    deadline.unref();
    Promise.all([app.stop(), notifier.stopping(`stopping (${signal})`)]).then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception');
    process.exit(1);
  });
  process.on('unhandledRejection', (err) => {
    log.fatal({ err }, 'unhandled rejection');
    process.exit(1);
  });

  try {
    await app.start();
    // Start-up ran without V8's optimizing compilers (src/main.ts). They come back once the service
    // is busy, so code hot under load is optimized as usual and an idle daemon never pages them in.
    if (!exiting) {
      stopCompilerWatch = releaseOptimizingCompilersWhenBusy((cpuShare) =>
        log.info({ cpu: Math.round(cpuShare * 1000) / 1000 }, "busy: V8's optimizing compilers switched on"),
      );
      void notifier.ready(`ready: listening on port ${app.port}`);
      notifier.startWatchdog();
    }
  } catch (err) {
    log.fatal({ err: (err as Error).message }, 'start failed');
    await app.stop().catch(() => undefined);
    process.exit(1);
  }
}

void main();
