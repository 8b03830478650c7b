#!/usr/bin/env node
// Runs the compiled node:test suites. Usage: node scripts/run-tests.mjs [unit|integration|vm ...]
// (vm = dist/e2e/vm, the QEMU lane with real kernel V4L2 devices)
// Test files are dist/test/<suite>/**/*.test.js; integration files run one at a time because
// each starts its own MediaMTX and FFmpeg processes on a 2-core machine.
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const suites = process.argv.slice(2).length ? process.argv.slice(2) : ['unit', 'integration'];
const find = (dir) =>
  !existsSync(dir) ? [] : readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? find(p) : p.endsWith('.test.js') ? [p] : [];
  });

let failed = false;
for (const suite of suites) {
  const root = suite === 'vm' ? join('dist', 'e2e', 'vm') : join('dist', 'test', suite);
  const files = find(root).sort();
  if (files.length === 0) { console.error(`no test files in suite ${suite}`); failed = true; continue; }
  const concurrency = suite === 'unit' ? [] : ['--test-concurrency=1'];
  console.log(`\n# suite ${suite}: ${files.length} files`);
  const r = spawnSync(process.execPath, ['--test', ...concurrency, ...files], { stdio: 'inherit' });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
