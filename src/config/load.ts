/**
 * Builds the effective configuration: schema defaults, then the YAML file, then
 * `CAMERA_SERVICE_<SECTION>_<KEY>` environment variables; then validates the result.
 * Pure apart from reading the file; problems come back as one line each.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from '../lib/deps/yaml.js';
import { defaultsOf, isPlainObject, merge, validate, type JsonSchema } from '../lib/schema.js';
import { managedConfigProblems } from './mediamtx-check.js';
import { configSchema, type Config } from './schema.js';

export type LoadResult = { ok: true; config: Config } | { ok: false; problems: string[] };

export const ENV_PREFIX = 'CAMERA_SERVICE_';

/** `CAMERA_SERVICE_*` variables that are not configuration keys (the commands and tests read them). */
export const OTHER_ENV = new Set(['CONFIG', 'CACHE', 'TOKEN', 'URL', 'CTL_READY_MARK', 'TEST_MARK', 'FUZZ_SEED', 'FUZZ_FRAMES'].map((n) => `${ENV_PREFIX}${n}`));

export function envName(section: string, key: string): string {
  return `${ENV_PREFIX}${section}_${key}`.toUpperCase();
}

export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv): LoadResult {
  const problems: string[] = [];
  let fromFile: unknown = {};
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      return { ok: false, problems: [`config file ${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`] };
    }
    try {
      fromFile = parseYaml(text) ?? {};
    } catch (err) {
      return { ok: false, problems: [`config file ${file}: invalid YAML: ${(err as Error).message.split('\n')[0]}`] };
    }
    if (!isPlainObject(fromFile)) return { ok: false, problems: [`config file ${file}: must be a mapping of sections`] };
  }
  const fromEnv = envOverrides(env, problems);
  const merged = merge(merge(defaultsOf(configSchema), fromFile), fromEnv);
  const result = validate(configSchema, merged);
  if (!result.ok) {
    for (const issue of result.issues) {
      const value = valueAt(merged, issue.path);
      const shown = isSecret(issue.path) || value === undefined ? '' : ` (got ${JSON.stringify(value)})`;
      problems.push(`${issue.path}: ${issue.message}${shown} [rule ${issue.rule}]`);
    }
  } else {
    // Key by key valid; now the combinations MediaMTX itself would refuse, and media folders on pseudo file systems.
    problems.push(...managedConfigProblems((merged as Config).mediamtx, (merged as Config).server.tls_cert_file !== ''));
    problems.push(...storagePathProblems((merged as Config).storage));
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config: merged as Config };
}

/** Levenshtein distance (small strings: variable names). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** The known variable closest to `name`, when it is close enough to be a misspelling. */
export function closestEnvName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(name, k);
    if (d < bestD) (best = k), (bestD = d);
  }
  const suffix = name.length - ENV_PREFIX.length;
  return best !== undefined && bestD <= Math.max(2, Math.floor(suffix / 3)) ? best : undefined;
}

/** Misspelled or unknown `CAMERA_SERVICE_*` variables: an error each, naming the closest key (YAML keys are refused the same way). */
function unknownEnv(env: NodeJS.ProcessEnv, problems: string[]): void {
  const keys = new Map<string, string>();
  for (const [section, sectionSchema] of Object.entries(configSchema.properties ?? {})) {
    for (const key of Object.keys(sectionSchema.properties ?? {})) keys.set(envName(section, key), `${section}.${key}`);
  }
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith(ENV_PREFIX) || keys.has(name) || OTHER_ENV.has(name)) continue;
    const near = closestEnvName(name, [...keys.keys()]);
    const hint = near ? `; did you mean ${near} (${keys.get(near)})?` : '; every key is listed in docs/configuration.md';
    problems.push(`${name}: unknown environment variable${hint} [rule unknown]`);
  }
}

/** Kernel pseudo file systems: nothing can be recorded there (a recordings path under /proc made startup spin). */
const PSEUDO_FS = ['/proc', '/sys', '/dev'];

export function storagePathProblems(st: Config['storage']): string[] {
  const out: string[] = [];
  for (const key of ['recordings_path', 'snapshots_path', 'state_path'] as const) {
    const path = resolve(st[key]);
    const under = PSEUDO_FS.find((p) => path === p || path.startsWith(`${p}/`));
    if (under) out.push(`storage.${key}: must not be under ${under} (a kernel pseudo file system) (got ${JSON.stringify(st[key])}) [rule path]`);
  }
  return out;
}

function envOverrides(env: NodeJS.ProcessEnv, problems: string[]): Record<string, Record<string, unknown>> {
  unknownEnv(env, problems);
  const out: Record<string, Record<string, unknown>> = {};
  for (const [section, sectionSchema] of Object.entries(configSchema.properties ?? {})) {
    for (const [key, keySchema] of Object.entries(sectionSchema.properties ?? {})) {
      const name = envName(section, key);
      const raw = env[name];
      if (raw === undefined) continue;
      const value = fromEnvString(raw, keySchema);
      if (value === undefined) {
        problems.push(`${section}.${key}: environment variable ${name} is not ${expectation(keySchema)} [rule type:${keySchema.type}]`);
        continue;
      }
      (out[section] ??= {})[key] = value;
    }
  }
  return out;
}

function fromEnvString(raw: string, s: JsonSchema): unknown {
  switch (s.type) {
    case 'integer':
    case 'number': {
      const n = Number(raw);
      return raw.trim() === '' || Number.isNaN(n) ? undefined : n;
    }
    case 'boolean':
      if (/^(true|1|yes|on)$/i.test(raw)) return true;
      if (/^(false|0|no|off)$/i.test(raw)) return false;
      return undefined;
    case 'array':
      if (raw.trim().startsWith('[')) {
        try {
          return JSON.parse(raw);
        } catch {
          return undefined;
        }
      }
      return raw.split(',').map((x) => x.trim()).filter((x) => x !== '');
    default:
      return raw;
  }
}

function expectation(s: JsonSchema): string {
  if (s.type === 'boolean') return 'a boolean (true/false)';
  if (s.type === 'integer' || s.type === 'number') return 'a number';
  if (s.type === 'array') return 'a comma-separated list or a JSON array';
  return `a ${s.type}`;
}

function valueAt(root: unknown, path: string): unknown {
  let cur = root;
  for (const part of path.split('.')) {
    if (!isPlainObject(cur) && !Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function isSecret(path: string): boolean {
  const [section, key] = path.split('.');
  return configSchema.properties?.[section ?? '']?.properties?.[key ?? '']?.['x-secret'] === true;
}
