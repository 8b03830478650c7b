/**
 * Keeps the benchmark suite working (bench/, docs/performance.md): the whole suite with tiny
 * numbers, comparison with an older results file, comparison mode against a running server,
 * and a few seconds of soak. Figures from a run this small mean nothing; timing is never
 * asserted, only that every scenario runs or says why it is skipped and the files are written.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ResultsDoc } from '../../bench/lib/results.js';
import { ROOT, startService } from '../helpers/service.js';

const out = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
after(() => rmSync(out, { recursive: true, force: true }));

function run(script: 'run' | 'soak', args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'bench', `${script}.js`), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
  assert.equal(r.status, 0, `bench ${script} ${args.join(' ')} exited ${r.status}\nstderr:\n${r.stderr.slice(-4000)}`);
  return r;
}

/** The results files in `dir`, oldest first; fails when there is none. */
function docs(dir: string): [{ file: string; doc: ResultsDoc }, ...{ file: string; doc: ResultsDoc }[]] {
  const list = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ file: join(dir, f), doc: JSON.parse(readFileSync(join(dir, f), 'utf8')) as ResultsDoc }));
  assert.ok(list.length > 0, `no results in ${dir}`);
  return list as [{ file: string; doc: ResultsDoc }];
}

describe('benchmark suite (smoke)', () => {
  let first: string;

  it('runs every scenario with tiny numbers and writes JSON and Markdown results', () => {
    const r = run('run', ['--smoke', '--out', join(out, 'bench')]);
    const [{ file, doc }] = docs(join(out, 'bench'));
    first = file;
    assert.equal(doc.kind, 'bench');
    assert.ok(doc.machine.cores > 0 && doc.machine.cpuModel && doc.machine.node.startsWith('v'));
    const scenarios = doc.subjects[0]!.scenarios;
    assert.deepEqual(
      scenarios.map((s) => s.name),
      ['memory', 'latency', 'fanout', 'connections', 'control-path', 'camera-cycles', 'camera-scale', 'media-latency', 'waits', 'mqtt', 'admission'],
    );
    for (const s of scenarios) {
      assert.notEqual(s.status, 'failed', `${s.name} failed: ${s.reason}`);
      if (s.status === 'skipped') assert.ok(s.reason && s.reason.length > 10, `${s.name} is skipped without a reason`);
    }
    const figure = (id: string) => scenarios.flatMap((s) => s.figures).find((f) => f.id === id);
    const ping = figure('latency.ping.100rps');
    assert.ok(ping, 'ping latency figure');
    assert.equal(ping.stats.p99!.length, 2, 'one p99 per run');
    assert.ok(figure('memory.idle_rss')!.stats.value!.every((v) => v > 0));
    // The runtime floor is measured beside the service in every run, and what the service adds is the difference.
    const idle = figure('memory.idle_rss')!.stats.value!;
    const floorRss = figure('memory.runtime_floor_rss')!.stats.value!;
    assert.equal(floorRss.length, idle.length, 'one runtime floor per run');
    assert.ok(floorRss.every((v, i) => v > 0 && v < idle[i]!), `runtime floor ${floorRss} below the service ${idle}`);
    const over = figure('memory.idle_rss_over_floor')!.stats.value!;
    assert.ok(over.length === idle.length && over.every((v, i) => Math.abs(v - (idle[i]! - floorRss[i]!)) < 0.02), `${over} = ${idle} − ${floorRss} (figures are rounded)`);
    assert.ok(figure('connections.held'));
    // Run-time test cameras: the real camera_status_update fan-out timed from the registry event, path ready, cycles.
    for (const id of ['fanout.20.event.last', 'control.camera_to_path', 'camera_cycles.add.path', 'camera_cycles.remove.notification']) assert.ok(figure(id), id);
    if (scenarios.find((s) => s.name === 'mqtt')!.status === 'ran') for (const id of ['mqtt.add.event', 'mqtt.remove.state', 'mqtt.idle_rss_on']) assert.ok(figure(id), id);
    assert.equal(figure('fanout_standin.20.last'), undefined, 'no stand-in trigger when test cameras can be added');
    assert.match(readFileSync(file.replace(/\.json$/, '.md'), 'utf8'), /Machine: \d+ cores/);
    assert.match(r.stdout, /## camera-service/);
  });

  it('--compare prints each figure beside the older one', () => {
    const r = run('run', ['--smoke', '--only', 'latency', '--methods', 'ping', '--out', join(out, 'bench'), '--compare', first]);
    assert.match(r.stdout, /Compared with/);
    assert.match(r.stdout, /ping @ 100\/s, from schedule p99/);
  });

  it('--target runs the same load against another server of the contract', async () => {
    const svc = await startService({ logging: { level: 'info' } });
    try {
      const token = await svc.token('admin');
      run('run', ['--smoke', '--only', 'latency,connections', '--methods', 'ping', '--max-connections', '30', '--target', svc.wsUrl, '--token', token, '--target-pid', String(svc.proc.pid), '--out', join(out, 'target')]);
      const [{ doc }] = docs(join(out, 'target'));
      assert.equal(doc.subjects[0]!.kind, 'target');
      assert.ok(doc.subjects[0]!.scenarios.every((s) => s.status === 'ran'));
    } finally {
      await svc.stop();
    }
  });

  it('soak runs for a few seconds and reports RSS growth, fds and child processes', () => {
    run('soak', ['--seconds', '4', '--clients', '5', '--rate', '20', '--churn', '2', '--out', join(out, 'soak')]);
    const [{ doc }] = docs(join(out, 'soak'));
    const ids = doc.subjects[0]!.scenarios[0]!.figures.map((f) => f.id);
    for (const id of ['soak.rss_growth', 'soak.fd_growth', 'soak.children_growth', 'soak.latency']) assert.ok(ids.includes(id), id);
  });

  it('refuses a target that is not on this machine', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'bench', 'run.js'), '--target', 'ws://192.0.2.1:8002/ws', '--token', 'x'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /loopback/);
  });
});
