/**
 * Home Assistant discovery payloads against the keys documented for each MQTT platform
 * (home-assistant.io/integrations/camera.mqtt, binary_sensor.mqtt, switch.mqtt, button.mqtt,
 * and the shared `device` and `availability` keys); the key lists are written out here,
 * independently of the builder.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cameraDiscovery, discoveryId, hostDiscovery } from '../../../src/mqtt/homeassistant.js';
import { topics } from '../../../src/mqtt/topics.js';

const COMMON = ['availability', 'availability_mode', 'availability_template', 'availability_topic', 'device', 'enabled_by_default', 'encoding', 'entity_category', 'entity_picture', 'json_attributes_template', 'json_attributes_topic', 'name', 'object_id', 'unique_id', 'origin'];
const SCHEMA: Record<string, { keys: string[]; required: string[] }> = {
  camera: { keys: [...COMMON, 'image_encoding', 'topic', 'icon'], required: ['topic'] },
  binary_sensor: { keys: [...COMMON, 'device_class', 'expire_after', 'force_update', 'icon', 'off_delay', 'payload_available', 'payload_not_available', 'payload_off', 'payload_on', 'qos', 'state_topic', 'value_template'], required: ['state_topic'] },
  switch: { keys: [...COMMON, 'command_template', 'command_topic', 'device_class', 'icon', 'optimistic', 'payload_off', 'payload_on', 'qos', 'retain', 'state_off', 'state_on', 'state_topic', 'value_template'], required: ['command_topic'] },
  button: { keys: [...COMMON, 'command_template', 'command_topic', 'device_class', 'icon', 'payload_available', 'payload_not_available', 'payload_press', 'qos', 'retain'], required: ['command_topic'] },
};
const DEVICE_KEYS = ['configuration_url', 'connections', 'hw_version', 'identifiers', 'manufacturer', 'model', 'model_id', 'name', 'serial_number', 'suggested_area', 'sw_version', 'via_device'];
const AVAILABILITY_KEYS = ['payload_available', 'payload_not_available', 'topic', 'value_template'];
const ID = /^[A-Za-z0-9_-]+$/;

function validate(topic: string, payload: Record<string, unknown>): void {
  const m = /^([^/]+(?:\/[^/]+)*)\/(camera|binary_sensor|switch|button)\/([^/]+)\/([^/]+)\/config$/.exec(topic);
  assert.ok(m, `${topic}: <prefix>/<component>/<node_id>/<object_id>/config`);
  assert.match(m[3]!, ID);
  assert.match(m[4]!, ID);
  const schema = SCHEMA[m[2]!]!;
  for (const k of Object.keys(payload)) assert.ok(schema.keys.includes(k), `${topic}: '${k}' is not a documented ${m[2]} key`);
  for (const k of schema.required) assert.ok(k in payload, `${topic}: '${k}' is required`);
  assert.equal(typeof payload.unique_id, 'string');
  const device = payload.device as Record<string, unknown>;
  for (const k of Object.keys(device)) assert.ok(DEVICE_KEYS.includes(k), `${topic}: device key '${k}'`);
  assert.ok(Array.isArray(device.identifiers) && device.identifiers.length > 0);
  for (const a of (payload.availability as Record<string, unknown>[] | undefined) ?? []) {
    for (const k of Object.keys(a)) assert.ok(AVAILABILITY_KEYS.includes(k), `${topic}: availability key '${k}'`);
    assert.equal(typeof a.topic, 'string');
  }
}

describe('Home Assistant discovery payloads', () => {
  const host = { prefix: 'camera-service/host 1', hostname: 'host 1', version: '0.1.0', discoveryPrefix: 'homeassistant' };
  const t = topics(host.prefix);

  it('per camera a camera, a connected binary_sensor, a recording switch and a snapshot button, on one device via the host', () => {
    const msgs = cameraDiscovery(host, t, 'camera0', 'Front door');
    assert.deepEqual(msgs.map((m) => m.topic.split('/')[1]), ['camera', 'binary_sensor', 'switch', 'button']);
    const hostMsg = hostDiscovery(host, t);
    validate(hostMsg.topic, hostMsg.payload!);
    const hostId = (hostMsg.payload!.device as { identifiers: string[] }).identifiers[0];
    const ids = new Set<string>();
    const uniques = new Set<string>();
    for (const m of msgs) {
      validate(m.topic, m.payload!);
      const device = m.payload!.device as { identifiers: string[]; via_device: string };
      assert.equal(device.via_device, hostId);
      ids.add(device.identifiers[0]!);
      uniques.add(m.payload!.unique_id as string);
      assert.deepEqual(m.payload!.availability, [{ topic: t.status, payload_available: 'online', payload_not_available: 'offline' }]);
    }
    assert.equal(ids.size, 1, 'one device per camera');
    assert.equal(uniques.size, 4, 'unique ids differ');
    const [camera, connected, recording, snapshot] = msgs.map((m) => m.payload!);
    assert.equal(camera!.topic, t.snapshot('camera0'));
    assert.equal(connected!.state_topic, t.state('camera0'));
    assert.equal(recording!.command_topic, t.command('camera0', 'record'));
    assert.equal(snapshot!.command_topic, t.command('camera0', 'snapshot'));
    assert.equal(snapshot!.payload_press, 'PRESS');
  });

  it('removal is an empty config on the same topics; ids are safe for discovery topics', () => {
    const add = cameraDiscovery(host, t, 'camera0', 'x');
    const remove = cameraDiscovery(host, t, 'camera0', 'x', true);
    assert.deepEqual(remove.map((m) => m.topic), add.map((m) => m.topic));
    assert.ok(remove.every((m) => m.payload === undefined));
    assert.equal(discoveryId('a/b c+#'), 'a_b_c_');
  });
});
