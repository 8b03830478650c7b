/**
 * The fleet view: hosts and their cameras under a topic root, built from the retained
 * messages of many hosts (`<host prefix>/status`, `/info`, `/cameras/<id>/state`). Pure: feed
 * it messages, read the model.
 */
import { hostPrefixOfStatus } from './topics.js';

export interface FleetCamera {
  device: string;
  name: string;
  status: string;
  recording: boolean;
  resolution: string;
  rtsp: string;
}

export interface FleetHost {
  prefix: string;
  hostname: string | null;
  status: 'online' | 'offline' | 'unknown';
  version: string | null;
  started_at: string | null;
  cameras: FleetCamera[];
}

export type FleetChange =
  | { kind: 'host'; prefix: string }
  | { kind: 'camera'; prefix: string; device: string; removed: boolean }
  | { kind: 'event'; prefix: string; topic: string; params: unknown }
  | { kind: 'ignored' };

interface HostEntry {
  status: FleetHost['status'];
  info: { version?: unknown; hostname?: unknown; started_at?: unknown } | undefined;
  cameras: Map<string, FleetCamera>;
}

export class FleetView {
  readonly #hosts = new Map<string, HostEntry>();

  constructor(readonly root: string) {}

  /** Takes one message; says what it changed. Malformed payloads are ignored. */
  add(topic: string, payload: Uint8Array): FleetChange {
    const text = Buffer.from(payload).toString('utf8');
    const status = hostPrefixOfStatus(this.root, topic);
    if (status !== undefined) {
      this.#host(status).status = text === 'online' ? 'online' : text === 'offline' ? 'offline' : 'unknown';
      return { kind: 'host', prefix: status };
    }
    if (!topic.startsWith(`${this.root}/`)) return { kind: 'ignored' };
    const cam = /^(.+)\/cameras\/([^/]+)\/state$/.exec(topic);
    if (cam) {
      const [, prefix, device] = cam as unknown as [string, string, string];
      const host = this.#host(prefix);
      if (text === '') {
        host.cameras.delete(device);
        return { kind: 'camera', prefix, device, removed: true };
      }
      const doc = parse(text) as { name?: unknown; status?: unknown; recording?: { active?: unknown }; resolution?: unknown; streams?: { rtsp?: unknown } } | undefined;
      if (!doc) return { kind: 'ignored' };
      host.cameras.set(device, {
        device,
        name: str(doc.name),
        status: str(doc.status),
        recording: doc.recording?.active === true,
        resolution: str(doc.resolution),
        rtsp: str(doc.streams?.rtsp),
      });
      return { kind: 'camera', prefix, device, removed: false };
    }
    const info = /^(.+)\/info$/.exec(topic);
    if (info) {
      const doc = parse(text);
      if (!doc || typeof doc !== 'object') return { kind: 'ignored' };
      this.#host(info[1]!).info = doc as HostEntry['info'];
      return { kind: 'host', prefix: info[1]! };
    }
    const event = /^(.+)\/events\/([^/]+)$/.exec(topic);
    if (event) return { kind: 'event', prefix: event[1]!, topic: event[2]!, params: parse(text) ?? text };
    return { kind: 'ignored' };
  }

  hosts(): FleetHost[] {
    return [...this.#hosts.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([prefix, h]) => ({
        prefix,
        hostname: typeof h.info?.hostname === 'string' ? h.info.hostname : null,
        status: h.status,
        version: typeof h.info?.version === 'string' ? h.info.version : null,
        started_at: typeof h.info?.started_at === 'string' ? h.info.started_at : null,
        cameras: [...h.cameras.values()].sort((a, b) => a.device.localeCompare(b.device, 'en', { numeric: true })),
      }));
  }

  #host(prefix: string): HostEntry {
    let h = this.#hosts.get(prefix);
    if (!h) this.#hosts.set(prefix, (h = { status: 'unknown', info: undefined, cameras: new Map() }));
    return h;
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
