/**
 * A real mosquitto broker (Debian's package) on a free loopback port, for the MQTT tests:
 * plain or TLS (a self-signed CA and server certificate made with openssl), optionally with
 * users and an ACL file. Readiness and exit are awaited from the broker's own log and process,
 * never slept for. Also a small MQTT.js subscriber that awaits messages.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { TestContext } from 'node:test';
import { loadMqtt, type IClientOptions, type MqttClient } from '../../src/lib/deps/mqtt.js';
import { freePort } from './ports.js';
import { skipUnlessPresent } from './required.js';

const CANDIDATES = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto'];

/** The mosquitto binary: $CAMERA_SERVICE_MOSQUITTO if set, else Debian's locations. */
export function mosquittoBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const chosen = env.CAMERA_SERVICE_MOSQUITTO;
  if (chosen !== undefined) return existsSync(chosen) ? chosen : undefined;
  return CANDIDATES.find((p) => existsSync(p));
}

/**
 * The mosquitto binary; when it is missing the test is skipped, except under CI=true where it
 * fails naming the package (nothing may be skipped in CI).
 */
export function needMosquitto(t: Pick<TestContext, 'skip'>, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const bin = mosquittoBinary(env);
  if (bin) return bin;
  const skip = skipUnlessPresent('mosquitto is not installed (Debian package mosquitto)', env);
  if (skip) t.skip(skip);
  return undefined;
}

export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
  /** A client certificate (CN=camhost) and key signed by the same CA. */
  clientCert: string;
  clientKey: string;
}

/** A CA and a server certificate for 127.0.0.1/localhost, made with openssl in `dir`. */
export function makeTls(dir: string): TlsFiles {
  const f = (n: string) => join(dir, n);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '2', '-subj', '/CN=camera-service test CA');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  ssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.crt'), '-days', '2', '-extfile', f('ext.cnf'));
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('client.key'), '-out', f('client.csr'), '-subj', '/CN=camhost');
  ssl('x509', '-req', '-in', f('client.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('client.crt'), '-days', '2');
  return { ca: f('ca.crt'), cert: f('server.crt'), key: f('server.key'), clientCert: f('client.crt'), clientKey: f('client.key') };
}

export interface BrokerOptions {
  tls?: boolean;
  /** user → password; with users, anonymous clients are refused. */
  users?: Record<string, string>;
  /** Contents of an ACL file (mosquitto acl_file syntax). */
  acl?: string;
  /** Keep sessions, queued messages and retained messages across a restart (saved on SIGTERM). */
  persistent?: boolean;
  /** With tls: clients must present a certificate of the CA; its CN is the user name. */
  clientCertificates?: boolean;
  /** A second listener speaking MQTT over WebSocket (`wsUrl`). */
  websockets?: boolean;
}

export interface Broker {
  port: number;
  url: string;
  /** ws://127.0.0.1:<port> when started with `websockets`. */
  wsUrl: string | undefined;
  dir: string;
  tls: TlsFiles | undefined;
  /** Starts mosquitto again on the same port (after stop or kill). */
  start(): Promise<void>;
  /** Stops mosquitto (SIGTERM) and waits for its exit. */
  stop(): Promise<void>;
  /** Stops it and removes its directory. */
  close(): Promise<void>;
}

export async function startBroker(bin: string, opts: BrokerOptions = {}): Promise<Broker> {
  const dir = mkdtempSync(join(tmpdir(), 'camera-service-mosquitto-'));
  const port = await freePort();
  const tls = opts.tls ? makeTls(dir) : undefined;
  const lines = [
    `listener ${port} 127.0.0.1`,
    ...(opts.persistent ? ['persistence true', `persistence_location ${dir}/`] : ['persistence false']),
    'set_tcp_nodelay true',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    // As root mosquitto would switch to the mosquitto user, who cannot read the temp files.
    ...(process.getuid?.() === 0 ? ['user root'] : []),
  ];
  if (tls) lines.push(`cafile ${tls.ca}`, `certfile ${tls.cert}`, `keyfile ${tls.key}`);
  if (tls && opts.clientCertificates) lines.push('require_certificate true', 'use_identity_as_username true');
  const wsPort = opts.websockets ? await freePort() : undefined;
  if (wsPort) lines.push(`listener ${wsPort} 127.0.0.1`, 'protocol websockets');
  if (opts.users) {
    const pw = join(dir, 'passwords');
    writeFileSync(pw, '');
    for (const [user, password] of Object.entries(opts.users)) execFileSync('mosquitto_passwd', ['-b', pw, user, password]);
    lines.push('allow_anonymous false', `password_file ${pw}`);
  } else {
    lines.push('allow_anonymous true');
  }
  if (opts.acl !== undefined) {
    writeFileSync(join(dir, 'acl'), opts.acl);
    lines.push(`acl_file ${join(dir, 'acl')}`);
  }
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `${lines.join('\n')}\n`);

  let proc: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const start = async () => {
    const p = spawn(bin, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc = p;
    exited = new Promise((resolve) => p.once('exit', () => resolve()));
    const log: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => (p.kill('SIGKILL'), reject(new Error(`mosquitto did not start within 10 s: ${log.join('\n')}`))), 10000);
      createInterface({ input: p.stderr! }).on('line', (line) => {
        log.push(line);
        if (/mosquitto version .* running/.test(line)) (clearTimeout(timer), resolve());
      });
      p.once('exit', (code) => (clearTimeout(timer), reject(new Error(`mosquitto exited with ${code}: ${log.join('\n')}`))));
    });
  };
  const stop = async () => {
    if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    port,
    url: `${tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`,
    wsUrl: wsPort ? `ws://127.0.0.1:${wsPort}` : undefined,
    dir,
    tls,
    start,
    stop,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Message {
  topic: string;
  payload: Buffer;
  retain: boolean;
  properties: Record<string, unknown> | undefined;
  text: string;
  json(): any;
}

export interface Subscriber {
  client: MqttClient;
  messages: Message[];
  /** The first message (already received or future) that satisfies `match`. */
  waitFor(match: (m: Message) => boolean, timeoutMs?: number, what?: string): Promise<Message>;
  close(): Promise<void>;
}

/** An MQTT.js client, connected, subscribed to `filters`, recording every message. */
export async function subscriber(url: string, filters: string[], options: IClientOptions = {}): Promise<Subscriber> {
  const client = loadMqtt().connect(url, { protocolVersion: 5, reconnectPeriod: 200, connectTimeout: 5000, ...options });
  const messages: Message[] = [];
  const waiters = new Set<{ match: (m: Message) => boolean; resolve: (m: Message) => void }>();
  client.on('message', (topic, payload, packet) => {
    const m: Message = {
      topic,
      payload,
      retain: packet.retain,
      properties: packet.properties as Record<string, unknown> | undefined,
      text: payload.toString('utf8'),
      json: () => JSON.parse(payload.toString('utf8')),
    };
    messages.push(m);
    for (const w of waiters) if (w.match(m)) (waiters.delete(w), w.resolve(m));
  });
  // MQTT.js emits 'error' for every failed reconnect (ECONNREFUSED once a test's broker is
  // closed before this client): with no listener left that would be an uncaught exception in
  // the test process after its tests passed. Errors after the connect are kept, not thrown.
  const errors: Error[] = [];
  client.on('error', (err) => errors.push(err));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  if (filters.length) await client.subscribeAsync(filters, { qos: 1 });
  return {
    client,
    messages,
    waitFor: (match, timeoutMs = 15000, what = 'an MQTT message') => {
      const found = messages.find(match);
      if (found) return Promise.resolve(found);
      return new Promise<Message>((resolve, reject) => {
        const w = { match, resolve: (m: Message) => (clearTimeout(timer), resolve(m)) };
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`${what} not received within ${timeoutMs} ms; last: ${messages.slice(-5).map((m) => `${m.topic} ${m.text.slice(0, 120)}`).join(' | ')}`));
        }, timeoutMs);
        waiters.add(w);
      });
    },
    close: () => client.endAsync(true),
  };
}
