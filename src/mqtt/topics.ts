/**
 * The topic tree of one host, and the parsing of the topics the bridge receives. Pure.
 *
 *   <prefix>/status                          online | offline (retained; offline is the Last Will)
 *   <prefix>/info                            {version, hostname, started_at} (retained)
 *   <prefix>/cameras/<id>/state              camera state document (retained; empty when forgotten)
 *   <prefix>/cameras/<id>/snapshot           JPEG of the last snapshot taken on request (retained)
 *   <prefix>/cameras/<id>/set/<command>      commands (record, snapshot, stream)
 *   <prefix>/events/<topic>                  the WebSocket notifications, same params
 *   <prefix>/replies                         command replies for MQTT 3.1.1 clients
 */
import { hostname } from 'node:os';

export const DEFAULT_ROOT = 'camera-service';

/** A host name as one topic level: no wildcards, no separators, no whitespace. */
export function topicLevel(name: string): string {
  const clean = name.replace(/[#+/\s\0]+/g, '_').replace(/^_+|_+$/g, '');
  return clean === '' ? 'host' : clean;
}

/** The configured prefix, or `camera-service/<hostname>`. */
export function prefixOf(configured: string, host: string = hostname()): string {
  return configured !== '' ? configured : `${DEFAULT_ROOT}/${topicLevel(host)}`;
}

/**
 * The configured client id, or one made of the prefix (`camera-service/<hostname>` gives
 * `camera-service-<hostname>`), so instances with different prefixes never share an id.
 * At most 128 characters.
 */
export function clientIdOf(configured: string, prefix: string): string {
  return (configured !== '' ? configured : prefix.replace(/[^A-Za-z0-9._:-]+/g, '-')).slice(0, 128);
}

export function topics(prefix: string) {
  return {
    status: `${prefix}/status`,
    info: `${prefix}/info`,
    replies: `${prefix}/replies`,
    state: (id: string) => `${prefix}/cameras/${id}/state`,
    snapshot: (id: string) => `${prefix}/cameras/${id}/snapshot`,
    command: (id: string, command: string) => `${prefix}/cameras/${id}/set/${command}`,
    event: (topic: string) => `${prefix}/events/${topic}`,
    /** Subscriptions of the bridge. */
    commandFilter: `${prefix}/cameras/+/set/+`,
    stateFilter: `${prefix}/cameras/+/state`,
  };
}
export type Topics = ReturnType<typeof topics>;

export type Received = { kind: 'command'; camera: string; command: string } | { kind: 'state'; camera: string } | { kind: 'other' };

/** What a received topic is, relative to `prefix`. */
export function classify(prefix: string, topic: string): Received {
  if (!topic.startsWith(`${prefix}/cameras/`)) return { kind: 'other' };
  const rest = topic.slice(prefix.length + '/cameras/'.length).split('/');
  if (rest.length === 3 && rest[1] === 'set' && rest[0] !== '' && rest[2] !== '') return { kind: 'command', camera: rest[0]!, command: rest[2]! };
  if (rest.length === 2 && rest[1] === 'state' && rest[0] !== '') return { kind: 'state', camera: rest[0]! };
  return { kind: 'other' };
}

/**
 * The host prefixes under a fleet root, from the topic of a retained status message:
 * `<root>/<host>/status` → `<root>/<host>`. A configured prefix may have any depth, so any
 * topic ending in `/status` under the root names a host.
 */
export function hostPrefixOfStatus(root: string, topic: string): string | undefined {
  if (!topic.startsWith(`${root}/`) || !topic.endsWith('/status')) return undefined;
  const prefix = topic.slice(0, -'/status'.length);
  return prefix.length > root.length + 1 && !prefix.includes('/cameras/') && !prefix.includes('/events/') ? prefix : undefined;
}
