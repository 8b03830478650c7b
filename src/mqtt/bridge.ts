/**
 * The MQTT bridge: one client of a broker per host. Publishes availability (retained, with
 * `offline` as the Last Will), one retained state document per camera, every topic
 * notification as an event, and, when enabled, answers commands by calling the JSON-RPC
 * methods through the dispatcher with an operator identity. Start/stop lifecycle; never throws
 * from a message handler.
 */
import { readFile, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Camera, CameraRegistry } from '../cameras/registry.js';
import type { Config } from '../config/schema.js';
import { loadMqtt, type IClientOptions, type IClientPublishOptions, type IPublishPacket, type MqttClient } from '../lib/deps/mqtt.js';
import type { Registry } from '../lib/deps/prom-client.js';
import type { Logger } from '../observability/logger.js';
import { rpcErrors, type RpcError } from '../api/rpc/errors.js';
import type { NotificationObserver } from '../api/notifications.js';
import { reconnectDelayMs } from './backoff.js';
import { COMMANDS, parseCommand, type RequestId } from './commands.js';
import { cameraDiscovery, hostDiscovery, type HostInfo } from './homeassistant.js';
import { registerMqttMetrics, type MqttMetrics } from './metrics.js';
import { DropOldestQueue } from './queue.js';
import { cameraState, type RecordingState, type StreamUrls } from './state.js';
import { tokenAccepted } from './token.js';
import { classify, clientIdOf, prefixOf, topics, type Topics } from './topics.js';

/** A JSON-RPC reply as the bridge sees it. */
export type CallOutcome = { result: unknown } | { error: { code: number; message: string; data?: unknown } };

export interface BridgeDeps {
  config: Config['mqtt'];
  version: string;
  cameras: CameraRegistry;
  streamUrls(id: string): StreamUrls;
  /** Recordings running now (at start; later changes come as notifications). */
  activeRecordings(): { device: string; filename: string; format: string; startedAt: number }[];
  /** Registers the observer of every notification; returns its remover. */
  observe(observer: NotificationObserver): () => void;
  /** Calls a JSON-RPC method as an operator, exactly as a WebSocket client would. */
  call(method: string, params: Record<string, unknown>): Promise<CallOutcome>;
  /** Absolute path of a snapshot file by name. */
  snapshotPath(filename: string): string;
  metrics: Registry;
  log: Logger;
  hostname?: string;
}

const MAX_IMAGE_BYTES = 8 * 1024 * 1024;

export class MqttBridge {
  readonly prefix: string;
  readonly clientId: string;
  readonly topics: Topics;
  readonly #d: BridgeDeps;
  readonly #queue: DropOldestQueue<{ topic: string; payload: string }>;
  readonly #metrics: MqttMetrics;
  readonly #recording = new Map<string, RecordingState>();
  readonly #host: HostInfo;
  /** Cameras whose Home Assistant discovery was published on this connection, with the name used. */
  readonly #announced = new Map<string, string>();
  #client: MqttClient | undefined;
  #unobserve: (() => void) | undefined;
  #failedAttempts = 0;
  #stopping = false;
  readonly #onChange = (c: Camera) => {
    try {
      this.#publishState(c);
    } catch (err) {
      this.#d.log.error({ err, camera: c.id }, 'mqtt: publishing a camera state failed');
    }
  };
  readonly #onRemoved = (c: Camera) => this.#forget(c.id, c.name);

  constructor(deps: BridgeDeps) {
    this.#d = deps;
    const host = deps.hostname ?? hostname();
    this.prefix = prefixOf(deps.config.topic_prefix, host);
    this.clientId = clientIdOf(deps.config.client_id, this.prefix);
    this.topics = topics(this.prefix);
    this.#queue = new DropOldestQueue(deps.config.queue_max);
    this.#metrics = registerMqttMetrics(deps.metrics);
    this.#host = { prefix: this.prefix, hostname: host, version: deps.version, discoveryPrefix: deps.config.homeassistant_prefix };
  }

  get connected(): boolean {
    return this.#client?.connected ?? false;
  }

  /** Starts the client; resolves at once (the broker may be down: the bridge keeps trying). */
  async start(): Promise<void> {
    const c = this.#d.config;
    for (const r of this.#d.activeRecordings()) this.#recording.set(r.device, { filename: r.filename, format: r.format, startedAt: r.startedAt });
    const options: IClientOptions = {
      clientId: this.clientId,
      protocolVersion: c.protocol_version,
      clean: true,
      keepalive: c.keepalive_s,
      reconnectPeriod: c.reconnect_min_ms,
      connectTimeout: 10000,
      resubscribe: false,
      queueQoSZero: false,
      // MQTT.js otherwise pre-builds 65,536 two-byte Buffers for packet ids on connect: +7 MB RSS.
      writeCache: false,
      will: { topic: this.topics.status, payload: Buffer.from('offline'), qos: c.qos, retain: true },
      ...(c.username !== '' ? { username: c.username } : {}),
      ...(await this.#password()),
      ...(await this.#tls()),
    };
    const client = loadMqtt().connect(c.url, options);
    this.#client = client;
    client.on('connect', () => this.#connected());
    client.on('reconnect', () => {
      client.options.reconnectPeriod = reconnectDelayMs(++this.#failedAttempts, c.reconnect_min_ms, c.reconnect_max_ms);
    });
    client.on('close', () => {
      this.#metrics.connected.set(0);
    });
    client.on('offline', () => this.#d.log.warn({ url: redact(c.url) }, 'mqtt broker unreachable; reconnecting'));
    client.on('error', (err) => this.#d.log.warn({ err: err.message, url: redact(c.url) }, 'mqtt client error'));
    client.on('message', (topic, payload, packet) => void this.#message(topic, payload, packet).catch((err: unknown) => this.#d.log.error({ err, topic }, 'mqtt message handler failed')));
    // Observers run on the notifying module's stack: a failure here must never reach it.
    this.#unobserve = this.#d.observe((method, params, device) => {
      try {
        this.#notification(method, params, device);
      } catch (err) {
        this.#d.log.error({ err, method }, 'mqtt: publishing a notification failed');
      }
    });
    this.#d.cameras.on('change', this.#onChange);
    this.#d.cameras.on('removed', this.#onRemoved);
    this.#d.log.info({ url: redact(c.url), client_id: this.clientId, prefix: this.prefix, commands: c.commands, homeassistant: c.homeassistant }, 'mqtt bridge started');
  }

  /** Publishes `offline` (a clean disconnect sends no Last Will) and disconnects. */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#unobserve?.();
    this.#d.cameras.off('change', this.#onChange);
    this.#d.cameras.off('removed', this.#onRemoved);
    const client = this.#client;
    if (!client) return;
    if (client.connected) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        client.publish(this.topics.status, 'offline', { qos: this.#d.config.qos, retain: true }, () => (clearTimeout(timer), resolve()));
      });
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => client.end(true, {}, () => resolve()), 1000);
      client.end(false, {}, () => (clearTimeout(timer), resolve()));
    });
    this.#metrics.connected.set(0);
    this.#d.log.info('mqtt bridge stopped');
  }

  #connected(): void {
    const client = this.#client!;
    const c = this.#d.config;
    // Events are small and latency matters more than packet count: no Nagle delay.
    (client.stream as { setNoDelay?: (v: boolean) => void } | undefined)?.setNoDelay?.(true);
    this.#failedAttempts = 0;
    client.options.reconnectPeriod = c.reconnect_min_ms;
    this.#metrics.connected.set(1);
    this.#metrics.connects.inc();
    this.#announced.clear();
    this.#d.log.info({ url: redact(c.url), prefix: this.prefix }, 'mqtt connected');
    const noLocal = c.protocol_version === 5 ? { nl: true } : {};
    client.subscribe(
      {
        [this.topics.commandFilter]: { qos: c.qos },
        // Retained states of cameras this host no longer knows are cleared (see #message).
        [this.topics.stateFilter]: { qos: 0, ...noLocal },
      },
      (err) => err && this.#d.log.warn({ err: err.message }, 'mqtt subscribe failed'),
    );
    this.#raw(this.topics.status, 'online', true, 'status');
    this.#raw(this.topics.info, JSON.stringify({ version: this.#d.version, hostname: this.#host.hostname, client_id: this.clientId, started_at: new Date(Date.now() - process.uptime() * 1000).toISOString() }), true, 'status');
    if (c.homeassistant) this.#raw(...discoveryArgs(hostDiscovery(this.#host, this.topics)));
    for (const camera of this.#d.cameras.list()) this.#publishState(camera);
    const queued = this.#queue.drain();
    this.#metrics.queued.set(0);
    for (const e of queued) this.#raw(e.topic, e.payload, false, 'event');
  }

  #publishState(camera: Camera): void {
    if (!this.connected) return; // republished from the registry on (re)connect
    const doc = cameraState(camera, this.#d.streamUrls(camera.id), this.#recording.get(camera.id));
    this.#raw(this.topics.state(camera.id), JSON.stringify(doc), true, 'state');
    if (this.#d.config.homeassistant && this.#announced.get(camera.id) !== camera.name) {
      this.#announced.set(camera.id, camera.name);
      for (const m of cameraDiscovery(this.#host, this.topics, camera.id, camera.name)) this.#raw(...discoveryArgs(m));
    }
  }

  /** Removes a forgotten camera's retained messages (state, image, discovery). */
  #forget(id: string, name: string): void {
    if (!this.connected) return;
    this.#recording.delete(id);
    this.#announced.delete(id);
    this.#raw(this.topics.state(id), '', true, 'state');
    this.#raw(this.topics.snapshot(id), '', true, 'state');
    if (this.#d.config.homeassistant) for (const m of cameraDiscovery(this.#host, this.topics, id, name, true)) this.#raw(...discoveryArgs(m));
  }

  #notification(method: string, params: Record<string, unknown>, device: string | undefined): void {
    if (method === 'recording_status_update' && device !== undefined) {
      if (params.status === 'STARTED') {
        const started = typeof params.start_time === 'string' ? Date.parse(params.start_time) : Date.now();
        this.#recording.set(device, { filename: String(params.filename ?? ''), format: String(params.format ?? ''), startedAt: Number.isFinite(started) ? started : Date.now() });
      } else this.#recording.delete(device);
      const camera = this.#d.cameras.get(device);
      if (camera) this.#publishState(camera);
      return;
    }
    if (!method.includes('.')) return; // the other default notifications are covered by the state documents
    const topic = this.topics.event(method);
    const payload = JSON.stringify(params);
    if (this.connected) return this.#raw(topic, payload, false, 'event');
    if (this.#queue.push({ topic, payload }) > 0) this.#metrics.dropped.inc();
    this.#metrics.queued.set(this.#queue.size);
  }

  #raw(topic: string, payload: string | Buffer, retain: boolean, kind: string, opts: Partial<IClientPublishOptions> = {}): void {
    const client = this.#client;
    if (!client) return;
    this.#metrics.published.inc({ kind });
    client.publish(topic, payload, { qos: this.#d.config.qos, retain, ...opts }, (err) => {
      if (err && !this.#stopping) this.#d.log.debug({ err: err.message, topic }, 'mqtt publish failed');
    });
  }

  async #message(topic: string, payload: Buffer, packet: IPublishPacket): Promise<void> {
    const what = classify(this.prefix, topic);
    if (what.kind === 'state') {
      // A retained state of a camera this host does not know (forgotten while the service was down).
      if (payload.length > 0 && !this.#d.cameras.get(what.camera) && /^camera[0-9]+$/.test(what.camera)) {
        this.#d.log.info({ camera: what.camera }, 'mqtt: clearing the retained state of a camera this host no longer knows');
        this.#forget(what.camera, what.camera);
      }
      return;
    }
    if (what.kind !== 'command') return;
    if (packet.retain) return; // a retained command would re-run on every reconnect
    const { camera, command } = what;
    const label = (COMMANDS as readonly string[]).includes(command) ? command : 'unknown';
    const reply = (outcome: CallOutcome, id?: RequestId) => this.#reply(packet, camera, command, outcome, id);
    const refuse = (err: RpcError, id?: RequestId, level: 'info' | 'warn' = 'warn') => {
      this.#metrics.commands.inc({ command: label, outcome: 'refused' });
      this.#d.log[level]({ camera: camera.slice(0, 64), command: command.slice(0, 64), code: err.code, reason: err.data.reason }, 'mqtt command refused');
      reply({ error: { code: err.code, message: err.message, data: err.data } }, id);
    };
    if (!this.#d.config.commands) return refuse(rpcErrors.unsupported('commands over MQTT are disabled on this host (mqtt.commands: false)', 'mqtt.commands'), undefined, 'info');
    const parsed = parseCommand(camera, command, payload);
    if (!parsed.ok) return refuse(parsed.error, parsed.id);
    const userToken = packet.properties?.userProperties?.token;
    const token = parsed.token ?? (typeof userToken === 'string' ? userToken : undefined);
    if (!tokenAccepted(this.#d.config.command_token, token)) return refuse(rpcErrors.auth('the command token is missing or wrong'), parsed.id);

    const outcome = await this.#d.call(parsed.method, parsed.params);
    const ok = 'result' in outcome;
    this.#metrics.commands.inc({ command: label, outcome: ok ? 'ok' : 'error' });
    this.#d.log.info({ camera, command, method: parsed.method, ok, ...(ok ? {} : { code: outcome.error.code }) }, 'mqtt command');
    if (ok && parsed.method === 'take_snapshot' && this.#d.config.snapshot_images) await this.#publishImage(camera, outcome.result);
    reply(outcome, parsed.id);
  }

  async #publishImage(camera: string, result: unknown): Promise<void> {
    const filename = (result as { filename?: unknown }).filename;
    if (typeof filename !== 'string' || !/\.jpe?g$/i.test(filename)) return;
    try {
      const path = this.#d.snapshotPath(filename);
      if ((await stat(path)).size > MAX_IMAGE_BYTES) return void this.#d.log.info({ camera, filename }, 'mqtt: snapshot larger than 8 MiB not published');
      this.#raw(this.topics.snapshot(camera), await readFile(path), true, 'image');
    } catch (err) {
      this.#d.log.warn({ camera, filename, err: (err as Error).message }, 'mqtt: snapshot image could not be read');
    }
  }

  #reply(packet: IPublishPacket, camera: string, command: string, outcome: CallOutcome, id: RequestId | undefined): void {
    const responseTopic = packet.properties?.responseTopic;
    const body = JSON.stringify({ camera: camera.slice(0, 64), command: command.slice(0, 64), ...(id !== undefined ? { id } : {}), ...outcome });
    if (responseTopic && !/[#+]/.test(responseTopic)) {
      const correlationData = packet.properties?.correlationData;
      this.#raw(responseTopic, body, false, 'reply', correlationData ? { properties: { correlationData } } : {});
    } else {
      this.#raw(this.topics.replies, body, false, 'reply');
    }
  }

  async #password(): Promise<{ password?: string }> {
    const c = this.#d.config;
    if (c.password_file !== '') return { password: (await readConfigFile('password_file', c.password_file)).toString('utf8').split('\n')[0]!.trimEnd() };
    return c.password !== '' ? { password: c.password } : {};
  }

  async #tls(): Promise<{ ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized?: boolean }> {
    const c = this.#d.config;
    if ((c.cert_file === '') !== (c.key_file === '')) throw new Error('mqtt.cert_file and mqtt.key_file go together: set both or neither');
    const out: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized?: boolean } = {};
    if (c.ca_file !== '') out.ca = await readConfigFile('ca_file', c.ca_file);
    if (c.cert_file !== '') out.cert = await readConfigFile('cert_file', c.cert_file);
    if (c.key_file !== '') out.key = await readConfigFile('key_file', c.key_file);
    if (Object.keys(out).length > 0) out.rejectUnauthorized = true;
    return out;
  }
}

/** A file named by an mqtt.* key; a failure names the key and the path (never the contents). */
async function readConfigFile(key: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new Error(`mqtt.${key} ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

function discoveryArgs(m: { topic: string; payload: Record<string, unknown> | undefined }): [string, string, boolean, string] {
  return [m.topic, m.payload ? JSON.stringify(m.payload) : '', true, 'discovery'];
}

/** The broker URL without credentials, for logs. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid url)';
  }
}
