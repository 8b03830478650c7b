#!/usr/bin/env node
/**
 * camera-service-ctl: the operator's command line, on the typed client.
 * Tables by default, --json for scripts; exit 0 ok, 1 request failed, 2 usage.
 */
import { createWriteStream, readFileSync } from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { mintToken } from '../api/auth/jwt.js';
import { isRole } from '../api/auth/roles.js';
import { CameraServiceClient, RpcCallError } from '../client/index.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { localHostFor } from '../lib/net.js';
import { bytes, keyValues, table } from './format.js';

const USAGE = `usage: camera-service-ctl [--url WS_URL] [--token TOKEN] [--config FILE] [--json] COMMAND
commands:
  cameras                          list cameras
  status ID                        camera and stream status
  diagnose ID                      why a camera is (not) streaming (admin)
  streams                          stream paths in MediaMTX
  snapshot ID [-o FILE] [--format jpg|png]
                                   take a snapshot (and download it with -o)
  record start ID [--duration S] [--format fmp4|mp4|mkv]
  record stop ID                   waits until the file is finished
  recordings | snapshots           list files
  controls ID [--set NAME=VALUE ...] [--reset [NAME ...]] [--persist]
                                   list V4L2 controls, set them (all or nothing), or reset to defaults
  mode ID WxH@FPS [--format F] [--persist] | mode ID --reset
                                   change the capture mode (the stream restarts), or back to the policy's
  watch [--topics T1,T2] [--count N]
                                   print notifications as they arrive
  token --role viewer|operator|admin [--ttl S]
                                   mint a JWT from the configuration's secret
  fleet --mqtt URL [--prefix ROOT] [--watch [--count N]] [--ca FILE] [--user U]
                                   every host and camera on an MQTT broker (retained topics under
                                   ROOT, default camera-service); --watch follows events;
                                   password from $CAMERA_SERVICE_MQTT_PASSWORD
authentication: --token, or $CAMERA_SERVICE_TOKEN, or an admin token minted from --config
($CAMERA_SERVICE_CONFIG, /etc/camera-service/config.yaml) when that file is readable.
TLS: the default URL is wss:// when the configuration sets server.tls_cert_file; --ca FILE (PEM)
is the CA the service's certificate must chain to (for a self-signed one: the certificate itself).`;

class UsageError extends Error {}

const opts = {
  url: { type: 'string' },
  token: { type: 'string' },
  config: { type: 'string', short: 'c' },
  json: { type: 'boolean' },
  output: { type: 'string', short: 'o' },
  format: { type: 'string' },
  duration: { type: 'string' },
  topics: { type: 'string' },
  count: { type: 'string' },
  set: { type: 'string', multiple: true },
  reset: { type: 'boolean' },
  persist: { type: 'boolean' },
  role: { type: 'string' },
  ttl: { type: 'string' },
  mqtt: { type: 'string' },
  prefix: { type: 'string' },
  watch: { type: 'boolean' },
  ca: { type: 'string' },
  user: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof opts; allowPositionals: true }>>['values'];

function config(values: Values): Config | undefined {
  const file = values.config ?? process.env.CAMERA_SERVICE_CONFIG ?? '/etc/camera-service/config.yaml';
  const loaded = loadConfig(file, process.env);
  if (loaded.ok) return loaded.config;
  if (values.config) throw new UsageError(`invalid configuration ${file}:\n  ${loaded.problems.join('\n  ')}`);
  return undefined;
}

async function connect(values: Values): Promise<CameraServiceClient> {
  const cfg = config(values);
  const host = localHostFor(cfg?.server.host ?? '');
  const scheme = cfg && cfg.server.tls_cert_file !== '' ? 'wss' : 'ws';
  const url = values.url ?? process.env.CAMERA_SERVICE_URL ?? `${scheme}://${host}:${cfg?.server.port ?? 8002}${cfg?.server.websocket_path ?? '/ws'}`;
  let token = values.token ?? process.env.CAMERA_SERVICE_TOKEN;
  if (!token && cfg) token = await mintToken(cfg.security.jwt_secret, { role: 'admin', user_id: 'camera-service-ctl' }, 300);
  if (!token) throw new UsageError('no credentials: pass --token, set CAMERA_SERVICE_TOKEN, or --config with a readable configuration');
  const client = await CameraServiceClient.connect(url, { timeoutMs: 30000, ...caOption(values) });
  await client.authenticate(token);
  return client;
}

/** --ca FILE: the PEM CA(s) a wss:// / https:// service certificate must chain to. */
function caOption(values: Values): { ca?: Buffer } {
  if (!values.ca) return {};
  try {
    return { ca: readFileSync(values.ca) };
  } catch (err) {
    throw new UsageError(`--ca ${values.ca} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

const need = (v: string | undefined, what: string): string => {
  if (!v) throw new UsageError(`missing ${what}`);
  return v;
};
const int = (v: string | undefined, what: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new UsageError(`${what} must be a whole number`);
  return n;
};

async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, options: opts, allowPositionals: true });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    if (!command && !values.help) process.exitCode = 2;
    return;
  }
  const out = (human: string, data: unknown): void => void process.stdout.write(`${values.json ? JSON.stringify(data, null, 2) : human}\n`);

  if (command === 'token') {
    const cfg = config(values);
    if (!cfg) throw new UsageError('token needs a readable configuration (--config FILE)');
    if (!isRole(values.role)) throw new UsageError('--role must be viewer, operator or admin');
    const token = await mintToken(cfg.security.jwt_secret, { role: values.role, user_id: `ctl-${values.role}` }, int(values.ttl, '--ttl') ?? 3600);
    return out(token, { token });
  }

  if (command === 'fleet') {
    if (!values.mqtt) throw new UsageError('fleet needs --mqtt URL (mqtt://, mqtts://, ws://, wss://)');
    if (!/^(mqtts?|wss?):\/\//.test(values.mqtt)) throw new UsageError('--mqtt must be an mqtt://, mqtts://, ws:// or wss:// URL');
    const { runFleet } = await import('./fleet.js');
    const count = int(values.count, '--count');
    const password = process.env.CAMERA_SERVICE_MQTT_PASSWORD;
    return runFleet({
      url: values.mqtt,
      json: values.json ?? false,
      watch: values.watch ?? false,
      write: (line) => void process.stdout.write(`${line}\n`),
      ...(values.prefix !== undefined ? { root: values.prefix } : {}),
      ...(count !== undefined ? { count } : {}),
      ...(values.ca ? { ca: values.ca } : {}),
      ...(values.user ? { username: values.user } : {}),
      ...(password ? { password } : {}),
    });
  }

  const known = ['cameras', 'status', 'diagnose', 'streams', 'snapshot', 'record', 'recordings', 'snapshots', 'controls', 'mode', 'watch'];
  // Usage errors before connecting.
  const sets = command === 'controls' ? parseSets(values.set ?? []) : undefined;
  if (command === 'controls' && values.reset && sets && Object.keys(sets).length > 0) throw new UsageError('controls takes --set or --reset, not both');
  const mode = command === 'mode' && !values.reset ? parseMode(rest[1]) : undefined;
  if (!known.includes(command)) throw new UsageError(`unknown command '${command}'`);
  const c = await connect(values);
  try {
    switch (command) {
      case 'cameras': {
        const r = await c.call('get_camera_list');
        const rows = r.cameras.map((x) => ({ device: x.device, status: x.status, name: x.name, resolution: x.resolution, fps: x.fps, rtsp: x.streams.rtsp }));
        return out(`${table(rows, ['device', 'status', 'name', 'resolution', 'fps', 'rtsp'])}\n${r.connected}/${r.total} connected`, r);
      }
      case 'status': {
        const device = need(rest[0], 'camera id');
        const [camera, stream] = await Promise.all([c.call('get_camera_status', { device }), c.call('get_stream_status', { device })]);
        return out(`${keyValues(camera as unknown as Record<string, unknown>)}\n${keyValues({ stream } as Record<string, unknown>)}`, { camera, stream });
      }
      case 'diagnose': {
        const d = await c.call('get_camera_diagnostics', { device: need(rest[0], 'camera id') });
        const stderr = (d.stream.ffmpeg?.stderr as string[] | undefined) ?? [];
        return out([d.summary, ...d.transitions.map((x) => `${x.at}  ${x.from ?? '-'} -> ${x.to}${x.reason ? `  (${x.reason})` : ''}`), ...stderr.slice(-10).map((l) => `ffmpeg: ${l}`)].join('\n'), d);
      }
      case 'streams': {
        const r = await c.call('get_streams');
        return out(table(r, ['name', 'source', 'ready', 'readers', 'bytes_sent']), r);
      }
      case 'recordings':
      case 'snapshots': {
        const r = await c.call(command === 'recordings' ? 'list_recordings' : 'list_snapshots', { limit: 1000 });
        const rows = r.files.map((f) => ({ filename: f.filename, size: bytes(f.file_size), modified: f.modified_time }));
        return out(`${table(rows, ['filename', 'size', 'modified'])}\n${r.total} files`, r);
      }
      case 'snapshot': {
        const device = need(rest[0], 'camera id');
        const format = values.format as 'jpg' | 'jpeg' | 'png' | undefined;
        const r = await c.call('take_snapshot', { device, ...(format ? { format } : {}) });
        if (values.output) await download(c.url, `/files/snapshots/${encodeURIComponent(r.filename)}`, values, values.output);
        return out(`${r.filename} (${bytes(r.file_size)})${values.output ? ` saved to ${values.output}` : ''}`, r);
      }
      case 'record': {
        const [action, device] = [rest[0], need(rest[1], 'camera id')];
        if (action === 'start') {
          const format = values.format as 'fmp4' | 'mp4' | 'mkv' | undefined;
          const duration = int(values.duration, '--duration');
          const r = await c.call('start_recording', { device, ...(duration !== undefined ? { duration } : {}), ...(format ? { format } : {}) });
          return out(`recording ${r.filename} since ${r.start_time}`, r);
        }
        if (action === 'stop') {
          // The reply comes at once; the file is finished (trailer, remux) a moment later, which
          // recording_status_update reports: wait for it, so the file is complete when this returns.
          const finished = c
            .waitForNotification('recording_status_update', (p: { device: string; status: string }) => p.device === device && (p.status === 'STOPPED' || p.status === 'FAILED'), 60_000)
            .catch(() => undefined);
          const r = await c.call('stop_recording', { device });
          const end = (await finished) as { filename?: string; status: string; duration?: number; file_size?: number; reason?: string } | undefined;
          const final = end && end.filename === r.filename ? { ...r, ...(end.duration !== undefined ? { duration: end.duration } : {}), ...(end.file_size !== undefined ? { file_size: end.file_size } : {}) } : r;
          const failed = end?.status === 'FAILED' ? ` (FAILED: ${end.reason ?? 'unknown'})` : '';
          return out(`stopped ${r.filename}: ${final.duration} s, ${bytes(final.file_size)}${failed}`, final);
        }
        throw new UsageError('record takes start or stop');
      }
      case 'controls': {
        const device = need(rest[0], 'camera id');
        if (values.reset) {
          const names = rest.slice(1);
          const r = await c.call('reset_camera_controls', { device, ...(names.length ? { names } : {}) });
          return out(`${table(Object.entries(r.controls).map(([name, value]) => ({ name, value: String(value) })), ['name', 'value'])}\nreset to defaults${r.skipped.length ? `; left as they are: ${r.skipped.join(', ')}` : ''}`, r);
        }
        if (sets && Object.keys(sets).length > 0) {
          const r = await c.call('set_camera_controls', { device, controls: sets, ...(values.persist ? { persist: true } : {}) });
          return out(`${table(Object.entries(r.controls).map(([name, value]) => ({ name, value: String(value) })), ['name', 'value'])}\n${r.persisted ? 'saved for this camera' : 'not saved (until the service stops)'}`, r);
        }
        const r = await c.call('get_camera_controls', { device });
        const rows = r.controls.map((x) => ({
          name: x.name,
          type: x.type,
          value: x.value === null ? '' : String(x.value),
          default: x.default === null ? '' : String(x.default),
          range: x.menu.length ? x.menu.map((m) => `${m.index}:${m.label}`).join(' ') : x.min !== null || x.max !== null ? `${x.min ?? ''}..${x.max ?? ''}${x.step && x.step !== 1 ? ` step ${x.step}` : ''}` : '',
          flags: x.flags.join(','),
          saved: x.persisted ? 'yes' : '',
        }));
        return out(rows.length ? table(rows, ['name', 'type', 'value', 'default', 'range', 'flags', 'saved']) : 'this camera has no V4L2 controls', r);
      }
      case 'mode': {
        const device = need(rest[0], 'camera id');
        if (values.reset) {
          const r = await c.call('reset_camera_mode', { device });
          return out(`${r.device}: ${r.format} ${r.width}x${r.height}@${r.fps} (mode policy)`, r);
        }
        const r = await c.call('set_camera_mode', { device, ...mode!, ...(values.format ? { format: values.format } : {}), ...(values.persist ? { persist: true } : {}) });
        return out(`${r.device}: ${r.format} ${r.width}x${r.height}@${r.fps}${r.persisted ? ' (saved for this camera)' : ''}`, r);
      }
      case 'watch': {
        const topics = values.topics?.split(',').filter(Boolean) ?? [];
        if (topics.length) await c.call('subscribe_events', { topics });
        const max = int(values.count, '--count');
        let seen = 0;
        await new Promise<void>((resolve) => {
          c.on('notification', (method, params) => {
            process.stdout.write(`${values.json ? JSON.stringify({ method, params }) : `${new Date().toISOString()} ${method} ${JSON.stringify(params)}`}\n`);
            if (max !== undefined && ++seen >= max) resolve();
          });
          c.on('close', () => resolve());
          process.once('SIGINT', () => resolve());
          if (process.env.CAMERA_SERVICE_CTL_READY_MARK) process.stderr.write(`${process.env.CAMERA_SERVICE_CTL_READY_MARK}\n`);
        });
        return;
      }
    }
  } finally {
    await c.close();
  }
}

/** `--set name=value`: true/false → boolean, integers → number, anything else (menu labels, strings, big int64) as text. */
function parseSets(items: readonly string[]): Record<string, number | boolean | string> {
  const out: Record<string, number | boolean | string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set takes NAME=VALUE, got '${item}'`);
    const name = item.slice(0, eq);
    const raw = item.slice(eq + 1);
    out[name] = raw === 'true' ? true : raw === 'false' ? false : /^-?\d+$/.test(raw) && Number.isSafeInteger(Number(raw)) ? Number(raw) : raw;
  }
  return out;
}

/** `WxH@FPS` (e.g. 1280x720@30, 640x480@7.5). */
function parseMode(text: string | undefined): { width: number; height: number; fps: number } {
  const m = /^(\d+)x(\d+)@(\d+(?:\.\d+)?)$/.exec(text ?? '');
  if (!m) throw new UsageError(`mode takes WxH@FPS (e.g. 1280x720@30), got '${text ?? ''}'`);
  return { width: Number(m[1]), height: Number(m[2]), fps: Number(m[3]) };
}

/** Downloads an HTTP file route of the service to `file`, streamed. */
async function download(wsUrl: string, path: string, values: Values, file: string): Promise<void> {
  const u = new URL(wsUrl);
  const base = `${u.protocol === 'wss:' ? 'https' : 'http'}://${u.host}`;
  const cfg = config(values);
  const token = values.token ?? process.env.CAMERA_SERVICE_TOKEN ?? (cfg ? await mintToken(cfg.security.jwt_secret, { role: 'viewer', user_id: 'camera-service-ctl' }, 300) : '');
  const get = u.protocol === 'wss:' ? https.get : http.get;
  const res = await new Promise<IncomingMessage>((resolve, reject) => get(`${base}${path}`, { headers: { authorization: `Bearer ${token}` }, ...caOption(values) }, resolve).on('error', reject));
  if (res.statusCode !== 200) {
    res.resume();
    throw new Error(`download of ${path} answered HTTP ${res.statusCode}`);
  }
  await pipeline(res, createWriteStream(file));
}

run(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    process.stderr.write(`camera-service-ctl: ${(err as Error).message}\n${USAGE}\n`);
    process.exitCode = 2;
  } else if (err instanceof RpcCallError) {
    process.stderr.write(`camera-service-ctl: ${err.message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`camera-service-ctl: ${(err as Error).message ?? String(err)}\n`);
    process.exitCode = 1;
  }
});
