/**
 * The import boundaries of src/ (layers and no cycles; the rules are .dependency-cruiser.cjs),
 * checked with dependency-cruiser over the compiled tree (dist/src). Files left in dist/ by a
 * module that moved or went away are not checked: only those with a source in src/.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseOptions, type ICruiseResult, type IConfiguration } from 'dependency-cruiser';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const config = createRequire(import.meta.url)(join(ROOT, '.dependency-cruiser.cjs')) as IConfiguration;

/** dist/src/**.js files (relative to `base`) whose TypeScript source exists in src/. */
function compiled(base: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(base, dir)).flatMap((name) => {
      const rel = join(dir, name);
      if (statSync(join(base, rel)).isDirectory()) return walk(rel);
      return rel.endsWith('.js') && existsSync(join(ROOT, rel.replace(/^dist\//, '').replace(/\.js$/, '.ts'))) ? [rel] : [];
    });
  return walk(join('dist', 'src'));
}

async function check(base: string, files: string[]): Promise<ICruiseResult> {
  const options: ICruiseOptions = { ...(config.options as ICruiseOptions), ruleSet: { forbidden: config.forbidden ?? [] }, validate: true, baseDir: base, outputType: 'json' };
  const result = await cruise(files, options);
  return typeof result.output === 'string' ? (JSON.parse(result.output) as ICruiseResult) : result.output;
}

const violations = (r: ICruiseResult) => r.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);

describe('import boundaries', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'camera-service-boundaries-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('src/ has no cycle and no import against the layers', async () => {
    const files = compiled(ROOT);
    const result = await check(ROOT, files);
    assert.ok(result.summary.totalCruised >= files.length && files.length > 100, `cruised ${result.summary.totalCruised} modules`);
    assert.deepEqual(violations(result), []);
  });

  it('fails on an upward import (lib -> a capability) and on a cycle', async () => {
    const files = compiled(ROOT);
    for (const f of files) cpSync(join(ROOT, f), join(tmp, f), { recursive: true });
    writeFileSync(join(tmp, 'dist/src/lib/upward.js'), "import '../discovery/service.js';\n");
    writeFileSync(join(tmp, 'dist/src/core/cycle-a.js'), "import './cycle-b.js';\n");
    writeFileSync(join(tmp, 'dist/src/core/cycle-b.js'), "import './cycle-a.js';\n");
    writeFileSync(join(tmp, 'dist/src/discovery/up.js'), "import '../app.js';\n");
    const added = ['dist/src/lib/upward.js', 'dist/src/core/cycle-a.js', 'dist/src/core/cycle-b.js', 'dist/src/discovery/up.js'];
    const result = await check(tmp, [...files, ...added]);
    const found = violations(result);
    assert.ok(found.includes('lib-imports-only-lib: dist/src/lib/upward.js -> dist/src/discovery/service.js'), found.join('\n'));
    assert.ok(found.some((v) => v.startsWith('no-circular: dist/src/core/cycle-')), found.join('\n'));
    assert.ok(found.includes('capabilities-import-no-composition: dist/src/discovery/up.js -> dist/src/app.js'), found.join('\n'));
  });
});
