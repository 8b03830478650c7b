/**
 * Nothing of MQTT is loaded while `mqtt.url` is empty: no static import chain from the daemon's
 * entry reaches src/mqtt/ or MQTT.js (src/app.ts loads the bridge with a dynamic import()).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

function staticGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    // Static imports and re-exports only; `import type` is erased by tsc, `import(...)` is dynamic.
    for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]/gm)) {
      const spec = m[1]!;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
      else seen.add(`pkg:${spec}`);
    }
  };
  visit(entry);
  return seen;
}

describe('MQTT is lazily loaded', () => {
  it('the daemon entry does not statically reach src/mqtt/, src/lib/deps/mqtt.js or the mqtt package', () => {
    // The entry (main.js) loads the command (command.js) with a dynamic import, after raising V8's tier-up thresholds.
    assert.match(readFileSync(resolve(SRC, 'main.js'), 'utf8'), /await import\(['"]\.\/command\.js['"]\)/);
    const graph = [...staticGraph(resolve(SRC, 'main.js')), ...staticGraph(resolve(SRC, 'command.js'))];
    assert.ok(graph.some((f) => f.endsWith('app.js')), 'the graph includes app.js');
    const mqtt = graph.filter((f) => f.includes('/mqtt/') || f.endsWith('deps/mqtt.js') || f === 'pkg:mqtt');
    assert.deepEqual(mqtt, []);
    assert.match(readFileSync(resolve(SRC, 'app.js'), 'utf8'), /await import\(['"]\.\/mqtt\/bridge\.js['"]\)/);
  });
});
