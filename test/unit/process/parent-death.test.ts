import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findExecutable, withParentDeathSignal } from '../../../src/process/child-process.js';

describe('children are told when the service dies (setpriv --pdeathsig)', () => {
  it('finds executables by path or on PATH', () => {
    assert.match(findExecutable('sh')!, /\/sh$/);
    assert.equal(findExecutable('/bin/sh'), '/bin/sh');
    assert.equal(findExecutable('/nonexistent/ffmpeg'), undefined);
    assert.equal(findExecutable('no-such-command-here', '/usr/bin:/bin'), undefined);
  });

  it('wraps a runnable command; leaves a missing one alone so its spawn error still names it', () => {
    const setpriv = findExecutable('setpriv');
    assert.ok(setpriv, 'setpriv (util-linux) is installed on the hosts the service supports');
    assert.deepEqual(withParentDeathSignal(['sh', '-c', 'true'], 'SIGTERM'), [setpriv, '--pdeathsig', 'TERM', '--', 'sh', '-c', 'true']);
    assert.deepEqual(withParentDeathSignal(['/nonexistent/ffmpeg', '-version'], 'SIGTERM'), ['/nonexistent/ffmpeg', '-version']);
    assert.deepEqual(withParentDeathSignal(['sh'], null), ['sh']);
  });
});
