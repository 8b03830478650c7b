/**
 * The checks of the `mqtt` section that one key's rule cannot express or that read files:
 * certificate and key go together, and the named files are readable. Run by `check-config`
 * and before the daemon starts (exit code 2), so a broken MQTT setup is reported like any
 * other configuration problem. Never reports a file's contents.
 */
import { accessSync, constants } from 'node:fs';
import type { Config } from './schema.js';

export function checkMqttSettings(m: Config['mqtt']): string[] {
  if (m.url === '') return [];
  const problems: string[] = [];
  if ((m.cert_file === '') !== (m.key_file === '')) problems.push('mqtt.cert_file and mqtt.key_file go together: set both or neither');
  for (const key of ['ca_file', 'cert_file', 'key_file', 'password_file'] as const) {
    const path = m[key];
    if (path === '') continue;
    try {
      accessSync(path, constants.R_OK);
    } catch (err) {
      problems.push(`mqtt.${key}: ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  if (/^[a-z]+:\/\/[^/@]*:[^/@]*@/i.test(m.url)) problems.push('mqtt.url: must not carry a password (use mqtt.username and mqtt.password_file)');
  return problems;
}
