/**
 * Home Assistant MQTT discovery messages (https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery).
 * Per camera one device with a `camera` (image from the snapshot topic), a `binary_sensor`
 * (connected), a `switch` (recording) and a `button` (snapshot); each camera device names the
 * host device as `via_device`; the host device has a `binary_sensor` of its own availability.
 * Every entity is available while `<prefix>/status` is `online` (the Last Will makes it
 * `offline`). Pure.
 */
import type { Topics } from './topics.js';

export interface HostInfo {
  /** The host's topic prefix. */
  prefix: string;
  /** Display name of the host. */
  hostname: string;
  version: string;
  discoveryPrefix: string;
}

export interface DiscoveryMessage {
  topic: string;
  /** The config object; undefined: the empty retained message that removes the entity. */
  payload: Record<string, unknown> | undefined;
}

export const ENTITIES = ['camera', 'connected', 'recording', 'snapshot'] as const;
const COMPONENT: Record<(typeof ENTITIES)[number], string> = { camera: 'camera', connected: 'binary_sensor', recording: 'switch', snapshot: 'button' };

/** A string usable as a discovery node id / object id: [a-zA-Z0-9_-]. */
export function discoveryId(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]+/g, '_');
}

const hostIdentifier = (h: HostInfo) => `camera_service_${discoveryId(h.prefix)}`;

function availability(t: Topics) {
  return [{ topic: t.status, payload_available: 'online', payload_not_available: 'offline' }];
}

function hostDevice(h: HostInfo) {
  return { identifiers: [hostIdentifier(h)], name: `camera-service ${h.hostname}`, manufacturer: 'camera-service', model: 'camera host', sw_version: h.version };
}

/** The host's own entity (the device the cameras are `via_device` of). */
export function hostDiscovery(h: HostInfo, t: Topics): DiscoveryMessage {
  const node = discoveryId(h.prefix);
  return {
    topic: `${h.discoveryPrefix}/binary_sensor/${node}/host_online/config`,
    payload: {
      name: 'Online',
      unique_id: `${node}_host_online`,
      state_topic: t.status,
      payload_on: 'online',
      payload_off: 'offline',
      device_class: 'connectivity',
      entity_category: 'diagnostic',
      device: hostDevice(h),
    },
  };
}

/** The four entities of camera `id` (`name` its display name); `remove`: their empty configs. */
export function cameraDiscovery(h: HostInfo, t: Topics, id: string, name: string, remove = false): DiscoveryMessage[] {
  const node = discoveryId(h.prefix);
  const topicOf = (e: (typeof ENTITIES)[number]) => `${h.discoveryPrefix}/${COMPONENT[e]}/${node}/${discoveryId(id)}_${e}/config`;
  if (remove) return ENTITIES.map((e) => ({ topic: topicOf(e), payload: undefined }));
  const device = {
    identifiers: [`${hostIdentifier(h)}_${discoveryId(id)}`],
    name: `${name} (${id} on ${h.hostname})`,
    manufacturer: 'camera-service',
    model: 'camera',
    sw_version: h.version,
    via_device: hostIdentifier(h),
  };
  const common = (e: (typeof ENTITIES)[number]) => ({ unique_id: `${node}_${discoveryId(id)}_${e}`, availability: availability(t), device });
  return [
    { topic: topicOf('camera'), payload: { name: 'Snapshot image', ...common('camera'), topic: t.snapshot(id) } },
    {
      topic: topicOf('connected'),
      payload: {
        name: 'Connected',
        ...common('connected'),
        state_topic: t.state(id),
        value_template: "{{ 'ON' if value_json.status == 'CONNECTED' else 'OFF' }}",
        payload_on: 'ON',
        payload_off: 'OFF',
        device_class: 'connectivity',
        json_attributes_topic: t.state(id),
      },
    },
    {
      topic: topicOf('recording'),
      payload: {
        name: 'Recording',
        ...common('recording'),
        icon: 'mdi:record-rec',
        command_topic: t.command(id, 'record'),
        payload_on: 'ON',
        payload_off: 'OFF',
        state_topic: t.state(id),
        value_template: "{{ 'ON' if value_json.recording.active else 'OFF' }}",
        state_on: 'ON',
        state_off: 'OFF',
      },
    },
    { topic: topicOf('snapshot'), payload: { name: 'Take snapshot', ...common('snapshot'), icon: 'mdi:camera', command_topic: t.command(id, 'snapshot'), payload_press: 'PRESS' } },
  ];
}
