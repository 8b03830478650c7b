/** Renders the configuration reference (docs/configuration.md) from the schema. Pure. */
import type { JsonSchema } from '../lib/schema.js';
import { envName } from './load.js';
import { configSchema } from './schema.js';

export function renderConfigReference(): string {
  const lines = [
    '# Configuration reference',
    '',
    '<!-- Generated from src/config/schema.ts by `npm run docs`; a test fails when this file is stale. -->',
    '',
    'The service reads one YAML file (`camera-service --config FILE`). Every key has a default except',
    '`security.jwt_secret`. Each key can be overridden by an environment variable',
    '`CAMERA_SERVICE_<SECTION>_<KEY>` (lists: comma-separated or a JSON array). An invalid value stops',
    'the daemon with exit code 2 and one line per problem naming the key, the problem and the rule;',
    'so do an unknown YAML key and an unknown `CAMERA_SERVICE_*` variable (named with the closest key;',
    '`CAMERA_SERVICE_CONFIG`, `_CACHE`, `_TOKEN`, `_URL` and the test variables are not configuration keys),',
    '`mediamtx.*` combinations MediaMTX would refuse, and media folders under /proc, /sys or /dev.',
    'FFmpeg and ffprobe must be runnable at start.',
    '',
  ];
  for (const [section, s] of Object.entries(configSchema.properties ?? {})) {
    lines.push(`## \`${section}\``, '', s.description ?? '', '', '| key | type and rule | default | environment | meaning |', '| --- | --- | --- | --- | --- |');
    for (const [key, k] of Object.entries(s.properties ?? {})) {
      const def = k.default === undefined ? '(required)' : `\`${JSON.stringify(k.default)}\``;
      lines.push(`| \`${section}.${key}\` | ${rule(k)} | ${def} | \`${envName(section, key)}\` | ${k.description ?? ''} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

function rule(s: JsonSchema): string {
  const parts: string[] = [s.type === 'array' && s.items ? `list of ${rule(s.items)}` : (s.type ?? 'any')];
  if (s.enum) parts.push(`one of ${s.enum.map((e) => `\`${String(e)}\``).join(', ')}`);
  if (s.minimum !== undefined) parts.push(`≥ ${s.minimum}`);
  if (s.maximum !== undefined) parts.push(`≤ ${s.maximum}`);
  if (s.minLength !== undefined) parts.push(`≥ ${s.minLength} chars`);
  if (s.pattern !== undefined) parts.push(`matches \`${s.pattern.replace(/\|/g, '\\|')}\``);
  if (s.minItems !== undefined) parts.push(`≥ ${s.minItems} items`);
  return parts.join(', ');
}
