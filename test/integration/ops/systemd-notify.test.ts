/**
 * The systemd notify protocol of the real daemon (managed MediaMTX) against a local
 * NOTIFY_SOCKET listener: READY=1 once the API answers, WATCHDOG=1 repeatedly when systemd
 * asks for a watchdog, STOPPING=1 on SIGTERM, and children never see systemd's socket.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { processesMatching, startService } from '../../helpers/service.js';
import { python3Available, startNotifyListener, type NotifyListener } from './notify-listener.js';
import { skipUnlessPresent } from '../../helpers/required.js';

const missing = [
  spawnSync('systemd-notify', ['--version'], { stdio: 'ignore' }).status === 0 ? undefined : 'systemd-notify (Debian package systemd)',
  python3Available() ? undefined : 'python3',
].filter(Boolean);
const skip = skipUnlessPresent(missing.length ? `needs ${missing.join(' and ')}` : false);

/** Sets the variables systemd would set for the daemon started next (it inherits this process's environment). */
function systemdEnv(listener: NotifyListener, watchdogUsec?: number): () => void {
  process.env.NOTIFY_SOCKET = listener.socket;
  if (watchdogUsec) process.env.WATCHDOG_USEC = String(watchdogUsec);
  else delete process.env.WATCHDOG_USEC;
  return () => {
    delete process.env.NOTIFY_SOCKET;
    delete process.env.WATCHDOG_USEC;
  };
}

describe('systemd notify protocol', { skip }, () => {
  let listener: NotifyListener;
  before(async () => {
    listener = await startNotifyListener();
  });
  after(() => listener?.close());

  it('READY=1 when the API answers, periodic WATCHDOG=1, STOPPING=1 on SIGTERM, then exit 0', async () => {
    listener.messages.length = 0;
    const restore = systemdEnv(listener, 300_000); // WatchdogSec=0.3 s: a ping every 150 ms
    const svc = await startService();
    restore();
    try {
      const ready = await listener.waitFor((m) => m.fields.READY === '1', 'READY=1');
      assert.match(ready.fields.STATUS ?? '', new RegExp(`listening on port ${svc.port}`));
      // Sent by the daemon's process (as root systemd-notify reports its parent's pid).
      if (process.getuid?.() === 0) assert.equal(ready.pid, svc.proc.pid);
      const health = await fetch(`${svc.httpUrl}/health/ready`);
      assert.equal(health.status, 200, 'the API answers once READY=1 has been sent');

      // Several pings, each a separate datagram, all after READY=1.
      for (let n = 1; n <= 3; n++) await listener.waitFor(() => listener.messages.filter((m) => m.fields.WATCHDOG === '1').length >= n, `WATCHDOG=1 #${n}`);
      const readyIndex = listener.messages.indexOf(ready);
      assert.ok(listener.messages.findIndex((m) => m.fields.WATCHDOG === '1') > readyIndex, 'first WATCHDOG=1 comes after READY=1');

      // Children do not inherit systemd's socket (NotifyAccess=all would let them talk to systemd).
      const [mediamtx] = processesMatching(join(svc.dir, 'state', 'mediamtx.yml'));
      assert.ok(mediamtx, 'managed MediaMTX runs');
      const environ = readFileSync(`/proc/${mediamtx}/environ`, 'utf8').split('\0');
      assert.ok(!environ.some((v) => v.startsWith('NOTIFY_SOCKET=') || v.startsWith('WATCHDOG_USEC=')), 'MediaMTX does not see NOTIFY_SOCKET/WATCHDOG_USEC');

      const { code } = await svc.stop('SIGTERM');
      assert.equal(code, 0);
      const stopping = listener.messages.find((m) => m.fields.STOPPING === '1');
      assert.ok(stopping, `STOPPING=1 sent before exit; got ${JSON.stringify(listener.messages.map((m) => m.fields))}`);
      assert.match(stopping.fields.STATUS ?? '', /SIGTERM/);
      const last = listener.messages.at(-1)!;
      assert.equal(last.fields.STOPPING, '1', 'no WATCHDOG=1 after STOPPING=1');
    } finally {
      await svc.stop();
    }
  });

  it('without WATCHDOG_USEC: READY=1 and STOPPING=1 only, no watchdog pings', async () => {
    listener.messages.length = 0;
    const restore = systemdEnv(listener);
    const svc = await startService();
    restore();
    await listener.waitFor((m) => m.fields.READY === '1', 'READY=1');
    assert.equal((await svc.stop('SIGTERM')).code, 0);
    assert.deepEqual(
      listener.messages.map((m) => Object.keys(m.fields).filter((k) => k !== 'STATUS')),
      [['READY'], ['STOPPING']],
    );
  });

  it('without NOTIFY_SOCKET (not under systemd) nothing is sent and the daemon runs as before', async () => {
    listener.messages.length = 0;
    const svc = await startService();
    assert.equal((await fetch(`${svc.httpUrl}/health/live`)).status, 200);
    assert.equal((await svc.stop('SIGTERM')).code, 0);
    assert.deepEqual(listener.messages, []);
  });
});
