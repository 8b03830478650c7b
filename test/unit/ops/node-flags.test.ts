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

// Event-loop utilization, one sample per second, recorded from the daemon (a --require hook
// sampling performance.eventLoopUtilization()): idle with 0 clients and the shipped MediaMTX
// health check (one second at 3.75 %: a GC), and serving pings and get_status at 100–1000 req/s
// over 1000 connections, right after the 1000 connected.
const IDLE = [0.8, 0.65, 0.49, 0.51, 0.78, 0.69, 0.57, 3.75, 0.65, 0.69, 0.65, 0.67, 0.58, 0.59, 0.76, 0.49, 0.59, 0.42, 0.58, 0.7, 0.77, 0.72, 0.7, 0.46, 0.54, 0.51, 0.39, 0.49, 0.4, 0.56, 0.49].map((p) => p / 100);
const CONNECT_THEN_SERVE = [84.87, 17.21, 5.56, 4.92, 7.27, 5.82, 7.79, 6.58].map((p) => p / 100);
const SERVE = [4.92, 7.27, 5.82, 7.79, 6.58, 4.95, 4.81, 4.87].map((p) => p / 100);

describe('when the optimizing compilers come back: CompilerDemand over the event loop\'s utilization', () => {
  const firstBusy = (samples: number[]) => {
    const d = new CompilerDemand();
    return samples.findIndex((u) => d.add(u));
  };
  it('an idle daemon never asks for them, a one-second spike included', () => {
    assert.equal(firstBusy(IDLE), -1);
    assert.equal(firstBusy([...IDLE, ...IDLE, ...IDLE]), -1);
  });
  it('a steady API load asks for them within one window of samples', () => {
    assert.equal(firstBusy(SERVE), 2);
    assert.equal(firstBusy([...IDLE, ...SERVE]), IDLE.length + 1);
  });
  it('a burst asks for them in the second it happens', () => {
    assert.equal(firstBusy([...IDLE.slice(0, 5), ...CONNECT_THEN_SERVE]), 5);
    assert.equal(firstBusy([0.005, 0.005, 0.1]), 2);
  });
  it('decides on whole windows: fewer samples than the window never ask, whatever their load', () => {
    const d = new CompilerDemand(0.03, 3);
    assert.equal(d.add(1), false);
    assert.equal(d.add(1), false);
    assert.equal(d.add(0), true);
    assert.equal(d.average(), 2 / 3);
  });
});
