import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CompilerDemand, NODE_FLAGS, optimizingCompilers } from '../../../src/node-flags.js';

const root = new URL('../../../../', import.meta.url);
const read = (p: string) => readFileSync(new URL(p, root), 'utf8');

/** The node invocation that runs the daemon (not other node commands of the same file). */
function daemonLine(text: string): string {
  const line = text.split('\n').find((l) => /\bnode\b.*dist\/src\/main\.js --config/.test(l) && !/\btoken\b/.test(l));
  assert.ok(line, 'a line that starts the daemon');
  return line;
}

describe('every launcher runs the daemon with the shipped Node flags (src/node-flags.ts)', () => {
  const expected = `node ${NODE_FLAGS.join(' ')} `;
  it('the systemd unit', () => {
    const line = daemonLine(read('systemd/camera-service.service'));
    assert.ok(line.startsWith('ExecStart='), line);
    assert.ok(line.includes(`/usr/bin/${expected}/opt/camera-service/dist/src/main.js`), line);
  });
  it('scripts/run.sh', () => {
    assert.ok(daemonLine(read('scripts/run.sh')).includes(expected), 'run.sh');
  });
  it('install.sh keeps them when it swaps the node binary', () => {
    assert.match(read('scripts/install.sh'), /s#\^ExecStart=\/usr\/bin\/node #ExecStart=\$NODE #/);
  });
});

describe("V8's optimizing compilers, held back while the daemon starts (src/main.ts, src/command.ts)", () => {
  it(`every compiler the entry switches off is a V8 flag that is on by default in this Node (V8 ${process.versions.v8})`, () => {
    // v8.setFlagsFromString only prints an unknown flag to stderr, and switching "back on" a compiler that is
    // off by default (Maglev in Node 20) would change the service's code generation: both would go unnoticed.
    const options = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
    const compilers = optimizingCompilers(process.versions.v8);
    assert.ok(compilers.includes('turbofan'), compilers.join());
    for (const c of compilers) assert.match(options, new RegExp(`^\\s+--${c} \\(.*\\n\\s+type: bool\\s+default: --${c}$`, 'm'), `--${c} on by default in Node ${process.version}`);
  });
  it('the entry switches them off before it loads the command, and the command switches them on once the service is ready', () => {
    const entry = read('src/main.ts');
    const hold = entry.indexOf('holdOptimizingCompilers();');
    assert.ok(hold > 0 && hold < entry.indexOf("await import('./command.js')"), entry);
    assert.deepEqual([...entry.matchAll(/^import .* from '(.*)';$/gm)].map((m) => m[1]), ['./node-flags.js'], 'nothing else is imported statically');
    const command = read('src/command.ts');
    const release = command.indexOf('releaseOptimizingCompilersWhenBusy(');
    assert.ok(release > command.indexOf('await app.start();') && release < command.indexOf('notifier.ready('), 'watched for load from app.start() on, before READY=1');
  });
});

// The daemon's CPU time as a share of one core, one sample per second, recorded from it (a --require
// hook sampling process.cpuUsage()): idle with 0 clients and the shipped MediaMTX health check while
// the machine ran the test command beside it (two seconds of GC: 5.09 % and 3.07 %), and serving
// pings and get_status at 100–1000 req/s over 1000 connections, right after the 1000 connected.
const IDLE = [
  0.99, 1.0, 1.0, 1.14, 0.98, 1.01, 0.95, 0.91, 0.95, 0.8, 0.9, 0.87, 0.93, 0.87, 1.31, 0.95, 0.77, 0.91, 0.8, 0.87, 0.8, 0.65, 0.69, 5.09, 1.07, 0.86, 0.76, 1.01, 0.98, 1.15, 0.9, 0.94, 0.97, 0.88,
  0.94, 0.98, 0.9, 0.98, 0.79, 1.0, 0.98, 0.99, 0.86, 1.04, 1.13, 0.98, 0.94, 3.07, 1.04, 1.12,
].map((p) => p / 100);
// Idle again, in a bench run on the machine kept busy: two GC seconds in a row.
const IDLE_GC_PAIR = [1.1, 1.06, 1.01, 1.11, 1.09, 1.27, 1.15, 4.55, 4.08, 1.1, 1.0, 0.88, 0.78].map((p) => p / 100);
const CONNECT_THEN_SERVE = [58.12, 66.86, 22.9, 9.48, 8.57, 8.86, 10.29, 10.77].map((p) => p / 100);
const SERVE = [9.48, 8.57, 8.86, 10.29, 10.77, 12.62, 14.9, 14.76].map((p) => p / 100);

describe('when the optimizing compilers come back: CompilerDemand over the daemon\'s CPU time', () => {
  const firstBusy = (samples: number[]) => {
    const d = new CompilerDemand();
    return samples.findIndex((u) => d.add(u));
  };
  it('an idle daemon never asks for them, its GC seconds included, even three of them in a row at 5 %', () => {
    assert.equal(firstBusy(IDLE), -1);
    assert.equal(firstBusy([...IDLE, ...IDLE_GC_PAIR, ...IDLE]), -1);
    assert.equal(firstBusy([0.01, 0.01, 0.05, 0.05, 0.05, 0.01, 0.01]), -1);
  });
  it('a steady API load asks for them within one window of samples', () => {
    assert.equal(firstBusy(SERVE), 4);
    assert.equal(firstBusy([...IDLE, ...SERVE]), IDLE.length + 2);
  });
  it('a burst asks for them in the second it happens', () => {
    assert.equal(firstBusy([...IDLE.slice(0, 5), ...CONNECT_THEN_SERVE]), 5);
    assert.equal(firstBusy([0.005, 0.005, 0.005, 0.005, 0.3]), 4);
  });
  it('decides on whole windows: fewer samples than the window never ask, whatever their load', () => {
    const d = new CompilerDemand(0.03, 3);
    assert.equal(d.add(1), false);
    assert.equal(d.add(1), false);
    assert.equal(d.add(0), true);
    assert.equal(d.average(), 2 / 3);
  });
});
