import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { NODE_FLAGS, optimizingCompilers } from '../../../src/node-flags.js';

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
    const release = command.indexOf('releaseOptimizingCompilers();');
    assert.ok(release > command.indexOf('await app.start();') && release < command.indexOf('notifier.ready('), 'released after app.start(), before READY=1');
  });
});
