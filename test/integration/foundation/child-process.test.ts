/** ManagedChild with real processes: its exit is the process's exit, not the end of its output. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManagedChild } from '../../../src/process/child-process.js';
import { processesMatching, until } from '../../helpers/service.js';

describe('ManagedChild', () => {
  it('reports the exit while a process it started in another process group still holds its stdout/stderr', { timeout: 20000 }, async (t) => {
    const marker = `cs-grandchild-${process.pid}-${Date.now()}`;
    // The grandchild (own session, like MediaMTX's on-demand hooks) keeps both pipes open.
    // The leader exits once told to (a line on its stdin), when the grandchild has its own session.
    const child = new ManagedChild({ argv: ['bash', '-c', `echo last-line; setsid bash -c 'exec -a "$CS_MARK" sleep 600' & read -r _; exit 3`], env: { ...process.env, CS_MARK: marker }, stdin: true });
    const exited = new Promise<{ code: number | null }>((resolve) => child.once('exit', resolve));
    t.after(() => {
      for (const pid of processesMatching(marker)) process.kill(pid, 'SIGKILL');
    });
    await until(() => processesMatching(marker).length === 1, 5000, 'the grandchild');
    child.proc.stdin!.end('go\n');
    const exit = await exited;
    assert.equal(exit.code, 3);
    assert.ok(child.lines.includes('last-line'), 'output written before the exit is kept');
    assert.equal(processesMatching(marker).length, 1, 'the grandchild was still running when the exit was reported');
  });
});
