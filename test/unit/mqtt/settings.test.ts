import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkMqttSettings } from '../../../src/config/mqtt-check.js';
import { configSchema } from '../../../src/config/schema.js';
import { defaultsOf } from '../../../src/lib/schema.js';
import type { Config } from '../../../src/config/schema.js';

const base = (defaultsOf(configSchema) as Config).mqtt;

describe('mqtt settings checks', () => {
  it('nothing is checked while the bridge is off; a plain URL is fine', () => {
    assert.deepEqual(checkMqttSettings({ ...base, cert_file: '/x' }), []);
    assert.deepEqual(checkMqttSettings({ ...base, url: 'mqtt://broker:1883' }), []);
  });

  it('certificate without key, unreadable files and a password in the URL are named', () => {
    const problems = checkMqttSettings({ ...base, url: 'mqtts://u:secret@broker', cert_file: '/nonexistent/c.pem', ca_file: '/nonexistent/ca.pem' });
    assert.deepEqual(problems, [
      'mqtt.cert_file and mqtt.key_file go together: set both or neither',
      'mqtt.ca_file: /nonexistent/ca.pem cannot be read (ENOENT)',
      'mqtt.cert_file: /nonexistent/c.pem cannot be read (ENOENT)',
      'mqtt.url: must not carry a password (use mqtt.username and mqtt.password_file)',
    ]);
    assert.ok(!problems.join(' ').includes('secret'), 'the password is not repeated');
  });
});
