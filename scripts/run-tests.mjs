#!/usr/bin/env node
// Runs the compiled node:test suites and ends with one summary line per suite.
// Usage: node scripts/run-tests.mjs [--node-lts BIN] [unit|integration|bench|vm ...]
//   (bench = the benchmark suite's smoke run, dist/test/bench; vm = dist/e2e/vm, the QEMU lane
//   with real kernel V4L2 devices)
//   --node-lts BIN  also runs the unit and integration suites on that Node binary (the test
//                   command passes the Node LTS from scripts/provision-node.sh)
// Test files are dist/test/<suite>/**/*.test.js; integration, bench and VM files run one at a time
// because each starts its own MediaMTX and FFmpeg processes on a 2-core machine.
// Under CI=true a skipped or todo test fails the run (every lane must run there); elsewhere
// skips are allowed and listed with their reasons.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
let nodeLts;
const suites = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--node-lts') nodeLts = args[++i];
  else suites.push(args[i]);
}
if (suites.length === 0) suites.push('unit', 'integration', 'bench');
if (args.includes('--node-lts') && !nodeLts) {
  console.error('--node-lts needs the path of a node binary');
  process.exit(2);
}

const find = (dir) =>
  !existsSync(dir) ? [] : readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? find(p) : p.endsWith('.test.js') ? [p] : [];
  });

/** Counts and skipped tests from node:test's TAP output. */
function readTap(text) {
  const num = (key) => Number(new RegExp(`^# ${key} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  const skipped = [...text.matchAll(/^\s*ok \d+ - (.*?) # (SKIP|TODO)\b ?(.*)$/gm)].map((m) => `${m[1]} (${m[2].toLowerCase()}${m[3] ? `: ${m[3]}` : ''})`);
  return { pass: num('pass'), fail: num('fail') + num('cancelled'), skipped: num('skipped') + num('todo'), skippedNames: skipped, ran: /^# tests \d+$/m.test(text) };
}

const runs = suites.map((suite) => ({ suite, node: process.execPath, label: suite }));
if (nodeLts) {
  const version = spawnSync(nodeLts, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
  const major = version.split('.')[0] || 'lts';
  for (const suite of ['unit', 'integration']) runs.push({ suite, node: nodeLts, label: `${suite}-node${major}` });
}

const ci = process.env.CI === 'true';
const tmp = mkdtempSync(join(tmpdir(), 'camera-service-tests-'));
const results = [];
const started = Date.now();
for (const run of runs) {
  const root = run.suite === 'vm' ? join('dist', 'e2e', 'vm') : join('dist', 'test', run.suite);
  const files = find(root).sort();
  const version = spawnSync(run.node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (files.length === 0) {
    console.error(`no test files in suite ${run.suite}`);
    results.push({ ...run, pass: 0, fail: 1, skipped: 0, skippedNames: [], seconds: 0 });
    continue;
  }
  const concurrency = run.suite === 'unit' ? [] : ['--test-concurrency=1'];
  const tap = join(tmp, `${run.label}.tap`);
  console.log(`\n# suite ${run.label}: ${files.length} files on node ${version}`);
  const t0 = Date.now();
  const r = spawnSync(run.node, ['--test', ...concurrency, '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tap}`, ...files], { stdio: 'inherit' });
  const counts = existsSync(tap) ? readTap(readFileSync(tap, 'utf8')) : { pass: 0, fail: 0, skipped: 0, skippedNames: [], ran: false };
  // A runner that died or exited non-zero without a failed test still fails the suite.
  if ((r.status !== 0 || !counts.ran) && counts.fail === 0) counts.fail = 1;
  results.push({ ...run, ...counts, seconds: Math.round((Date.now() - t0) / 1000) });
}
rmSync(tmp, { recursive: true, force: true });

console.log(`\n# summary (${Math.round((Date.now() - started) / 1000)} s)`);
for (const r of results) {
  for (const name of r.skippedNames) console.log(`# ${r.label}: skipped ${name}`);
}
const total = { pass: 0, fail: 0, skipped: 0 };
for (const r of results) {
  console.log(`${r.label}: ${r.pass} passed, ${r.fail} failed, ${r.skipped} skipped (${r.seconds} s)`);
  total.pass += r.pass;
  total.fail += r.fail;
  total.skipped += r.skipped;
}
if (ci && total.skipped > 0) {
  console.log(`# CI=true: ${total.skipped} skipped or todo tests count as failures (every lane must run in CI)`);
  total.fail += total.skipped;
}
console.log(`total: ${total.pass} passed, ${total.fail} failed, ${total.skipped} skipped`);
process.exit(total.fail > 0 ? 1 : 0);
