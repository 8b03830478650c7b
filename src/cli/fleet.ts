/**
 * `camera-service-ctl fleet`: every host and camera under a topic root on an MQTT broker, from
 * the retained messages; `--watch` then follows events and changes. Loads MQTT.js only here.
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { loadMqtt, type IClientOptions } from '../lib/deps/mqtt.js';
import { FleetView, type FleetHost } from '../mqtt/fleet.js';
import { DEFAULT_ROOT } from '../mqtt/topics.js';
import { table } from './format.js';

export interface FleetOptions {
  url: string;
  root?: string;
  json: boolean;
  watch: boolean;
  /** Stop watching after this many printed changes (tests, scripts). */
  count?: number;
  ca?: string;
  username?: string;
  password?: string;
  timeoutMs?: number;
  write(line: string): void;
}

export function renderFleet(hosts: FleetHost[]): string {
  if (hosts.length === 0) return '(no hosts)';
  const rows = hosts.map((h) => ({
    host: h.hostname ?? h.prefix,
    status: h.status,
    version: h.version ?? '-',
    cameras: h.cameras.length,
    connected: h.cameras.filter((c) => c.status === 'CONNECTED').length,
    recording: h.cameras.filter((c) => c.recording).length,
    prefix: h.prefix,
  }));
  const cams = hosts.flatMap((h) =>
    h.cameras.map((c) => ({ host: h.hostname ?? h.prefix, device: c.device, status: c.status, recording: c.recording ? 'yes' : 'no', name: c.name, rtsp: c.rtsp })),
  );
  return `${table(rows, ['host', 'status', 'version', 'cameras', 'connected', 'recording', 'prefix'])}\n\n${table(cams, ['host', 'device', 'status', 'recording', 'name', 'rtsp'])}`;
}

export async function runFleet(o: FleetOptions): Promise<void> {
  const root = (o.root ?? DEFAULT_ROOT).replace(/\/+$/, '');
  if (root === '' || /[#+]/.test(root)) throw new Error('--prefix must be a topic root without wildcards');
  const options: IClientOptions = {
    protocolVersion: 5,
    clientId: `camera-service-ctl-${randomUUID().slice(0, 8)}`,
    clean: true,
    reconnectPeriod: 0,
    writeCache: false,
    connectTimeout: o.timeoutMs ?? 10000,
    ...(o.ca ? { ca: readFileSync(o.ca), rejectUnauthorized: true } : {}),
    ...(o.username ? { username: o.username } : {}),
    ...(o.password ? { password: o.password } : {}),
  };
  const client = loadMqtt().connect(o.url, options);
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
      client.once('close', () => reject(new Error(`cannot connect to ${o.url}`)));
    });
    const view = new FleetView(root);
    let listed = false;
    let printed = 0;
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    client.on('message', (topic, payload) => {
      if (topic.endsWith('/snapshot')) return; // images
      const change = view.add(topic, payload);
      if (!listed || !o.watch || change.kind === 'ignored') return;
      const at = new Date().toISOString();
      let line: string;
      if (change.kind === 'event') line = o.json ? JSON.stringify({ at, host: change.prefix, event: change.topic, params: change.params }) : `${at} ${change.prefix} ${change.topic} ${JSON.stringify(change.params)}`;
      else if (change.kind === 'host') {
        const h = view.hosts().find((x) => x.prefix === change.prefix);
        line = o.json ? JSON.stringify({ at, host: change.prefix, status: h?.status, version: h?.version }) : `${at} ${change.prefix} host ${h?.status}`;
      } else {
        const c = view.hosts().find((x) => x.prefix === change.prefix)?.cameras.find((x) => x.device === change.device);
        line = o.json ? JSON.stringify({ at, host: change.prefix, camera: change.device, removed: change.removed, state: c ?? null }) : `${at} ${change.prefix} ${change.device} ${change.removed ? 'removed' : `${c?.status}${c?.recording ? ' recording' : ''}`}`;
      }
      o.write(line);
      if (o.count !== undefined && ++printed >= o.count) done();
    });
    client.on('close', () => done());
    // After the connect: a broker going away ends the listing or the watch (close), never the process.
    client.on('error', (err) => {
      if (listed) process.stderr.write(`camera-service-ctl fleet: ${err.message}\n`);
    });
    await client.subscribeAsync({ [`${root}/#`]: { qos: 0 } });
    // The broker sends the retained messages of a subscription before acknowledging a later
    // one on the same connection: once this second SUBACK arrives, the picture is complete.
    await client.subscribeAsync({ [`${root}/$fleet-sync/${randomUUID()}`]: { qos: 0 } });
    listed = true;
    const hosts = view.hosts();
    o.write(o.json ? JSON.stringify({ root, hosts }, null, o.watch ? 0 : 2) : renderFleet(hosts));
    if (!o.watch) return;
    const onSigint = () => done();
    process.once('SIGINT', onSigint);
    await finished;
    process.off('SIGINT', onSigint);
  } finally {
    await client.endAsync(true).catch(() => undefined);
  }
}
