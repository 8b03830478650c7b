import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { NODE_FLAGS } from '../../../src/node-flags.js';

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
