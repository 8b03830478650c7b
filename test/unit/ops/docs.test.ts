/**
 * The documentation tells the truth about the code: every configuration key is in
 * docs/configuration.md, the README's commands are what CI runs, and the commands, options
 * and files docs/operations.md names exist.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { configSchema } from '../../../src/config/schema.js';
import type { JsonSchema } from '../../../src/lib/schema.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string>; bin: Record<string, string> };

/** Every `section.key` (and deeper `section.key.sub` of fixed objects) of the schema. */
function schemaKeys(schema: JsonSchema, prefix = ''): string[] {
  return Object.entries(schema.properties ?? {}).flatMap(([name, s]) => {
    const key = prefix ? `${prefix}.${name}` : name;
    return prefix && !s.properties ? [key] : [...(prefix ? [key] : []), ...schemaKeys(s, key)];
  });
}

/** The lines of the first fenced block after `heading` in a Markdown text. */
function codeBlockAfter(markdown: string, heading: string): string[] {
  const at = markdown.indexOf(heading);
  assert.ok(at >= 0, `heading ${heading}`);
  const m = /```[a-z]*\n([\s\S]*?)```/.exec(markdown.slice(at));
  assert.ok(m, `a code block after ${heading}`);
  return m[1]!.split('\n').filter((l) => l.trim());
}

describe('docs/configuration.md', () => {
  it('names every configuration key of the schema, with its environment variable', () => {
    const docs = read('docs/configuration.md');
    const keys = schemaKeys(configSchema as JsonSchema);
    assert.ok(keys.length > 20, `${keys.length} keys`);
    assert.ok(keys.includes('security.jwt_secret') && keys.includes('mediamtx.api_url'));
    const missing = keys.filter((k) => !docs.includes(`\`${k}\``));
    assert.deepEqual(missing, [], 'keys missing from docs/configuration.md (run npm run docs)');
    for (const k of keys.filter((x) => x.split('.').length === 2)) {
      const env = `CAMERA_SERVICE_${k.replace('.', '_').toUpperCase()}`;
      assert.ok(docs.includes(env), `${env} documented`);
    }
  });
});

describe('README', () => {
  it("its test command is exactly what CI's .ci/run runs", () => {
    const ci = read('.ci/run').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    const exec = ci.find((l) => /^exec /.test(l));
    assert.ok(exec, '.ci/run execs one command');
    const ciCommand = exec.replace(/^exec\s+/, '').trim();
    const block = codeBlockAfter(read('README.md'), '## The two commands');
    const commands = block.map((l) => l.replace(/#.*$/, '').trim());
    assert.deepEqual(commands, ['scripts/run.sh', 'scripts/test.sh']);
    const ciLine = block.find((l) => l.startsWith(`${ciCommand} `) || l === ciCommand);
    assert.ok(ciLine, `the README shows CI's command ${ciCommand}`);
    assert.match(ciLine, /CI runs exactly this/);
    // No other path from .ci/run to the tests: it only changes directory and execs.
    assert.deepEqual(ci.filter((l) => !/^(set -euo pipefail|cd "\$\(dirname "\$0"\)\/\.\.")$/.test(l.trim())), [exec]);
  });

  it('the README commands exist and are executable; its single-suite commands are the suites test.sh runs', () => {
    for (const script of ['scripts/run.sh', 'scripts/test.sh', 'scripts/setup.sh', 'scripts/provision-mediamtx.sh', 'scripts/provision-node.sh', 'scripts/install.sh', 'scripts/uninstall.sh']) {
      assert.ok(statSync(join(ROOT, script)).mode & 0o111, `${script} is executable`);
    }
    const readme = read('README.md');
    const testSh = read('scripts/test.sh');
    const run = /node scripts\/run-tests\.mjs (?:--node-lts "[^"]*" )?((?:\w+ ?)+)/.exec(testSh);
    assert.ok(run, 'test.sh runs scripts/run-tests.mjs');
    const suites = run[1]!.trim().split(/\s+/);
    for (const suite of suites) {
      assert.ok(readme.includes(`npm run test:${suite}`), `README names npm run test:${suite}`);
      assert.match(pkg.scripts[`test:${suite}`] ?? '', new RegExp(`run-tests\\.mjs ${suite}$`), `package.json test:${suite} runs that suite`);
    }
    for (const m of readme.matchAll(/npm run ([\w:-]+)/g)) assert.ok(pkg.scripts[m[1]!], `package.json has the script ${m[1]} the README names`);
  });

  it('links the operations guide', () => {
    assert.match(read('README.md'), /\(docs\/operations\.md\)/);
  });
});

describe('docs/operations.md', () => {
  const ops = read('docs/operations.md');

  it("documents each of install.sh's and uninstall.sh's options, and nothing they lack", () => {
    for (const script of ['install.sh', 'uninstall.sh']) {
      const text = read(`scripts/${script}`);
      const accepted = new Set([...text.matchAll(/^\s+(--[a-z-]+)\)/gm)].map((m) => m[1]!));
      assert.ok(accepted.size >= 2, script);
      for (const opt of accepted) assert.ok(ops.includes(`\`${opt}`), `${script} ${opt} is documented`);
      const section = script === 'install.sh' ? ops.slice(ops.indexOf('## Install'), ops.indexOf('### Uninstall')) : ops.slice(ops.indexOf('### Uninstall'), ops.indexOf('## systemd'));
      for (const m of section.matchAll(/`(--[a-z-]+)/g)) assert.ok(accepted.has(m[1]!), `${script} accepts the documented ${m[1]}`);
    }
  });

  it('the repository files it names exist', () => {
    const named = new Set([...ops.matchAll(/`((?:deploy|hardware|scripts|systemd|src|docs)\/[\w./-]+)`/g), ...ops.matchAll(/\]\(\.\.\/([\w./-]+)\)/g)].map((m) => m[1]!));
    assert.ok(named.size >= 5);
    for (const p of named) assert.ok(existsSync(join(ROOT, p)), `${p} exists`);
  });

  it('covers install, upgrade, systemd, journalctl, metrics and the troubleshooting topics', () => {
    for (const heading of ['## Install', '### Upgrade', '### Uninstall', '## systemd', '## Logs', '## Health and metrics', '## Troubleshooting', '### Device busy', '### USB bandwidth and MJPEG', '### Permissions', '### MediaMTX is not reachable', '### Disk full']) {
      assert.ok(ops.includes(`\n${heading}\n`), heading);
    }
    assert.match(ops, /journalctl -u camera-service/);
  });
});

describe('CHANGELOG.md', () => {
  it("has an entry for package.json's version", () => {
    const version = (JSON.parse(read('package.json')) as { version: string }).version;
    assert.match(read('CHANGELOG.md'), new RegExp(`^## \\[${version.replace(/\./g, '\\.')}\\]`, 'm'));
  });
});
