import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignments, notifySettings, SystemdNotifier } from '../../../src/observability/systemd-notify.js';

const quiet = { warn: () => undefined, debug: () => undefined };

describe('systemd notify settings', () => {
  it('no NOTIFY_SOCKET: not under systemd, nothing to send', () => {
    assert.equal(notifySettings({}, 42), undefined);
    assert.equal(notifySettings({ NOTIFY_SOCKET: '', WATCHDOG_USEC: '1000000' }, 42), undefined);
  });

  it('pings at half WATCHDOG_USEC, as sd_watchdog_enabled prescribes', () => {
    assert.deepEqual(notifySettings({ NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '30000000' }, 42), {
      socket: '/run/systemd/notify',
      watchdogIntervalMs: 15000,
    });
    assert.equal(notifySettings({ NOTIFY_SOCKET: '@abstract', WATCHDOG_USEC: '1' }, 42)?.watchdogIntervalMs, 1);
  });

  it('the watchdog is for this process only when WATCHDOG_PID names it', () => {
    assert.equal(notifySettings({ NOTIFY_SOCKET: '/s', WATCHDOG_USEC: '2000000', WATCHDOG_PID: '42' }, 42)?.watchdogIntervalMs, 1000);
    assert.equal(notifySettings({ NOTIFY_SOCKET: '/s', WATCHDOG_USEC: '2000000', WATCHDOG_PID: '7' }, 42)?.watchdogIntervalMs, undefined);
  });

  it('ignores a malformed WATCHDOG_USEC', () => {
    for (const usec of ['0', '-5', 'abc', '1e6', ' 100']) {
      assert.equal(notifySettings({ NOTIFY_SOCKET: '/s', WATCHDOG_USEC: usec }, 1)?.watchdogIntervalMs, undefined, usec);
    }
  });

  it('messages are KEY=value lines without embedded line breaks', () => {
    assert.deepEqual(assignments({ READY: 1, STATUS: 'two\nlines\r\nhere' }), ['READY=1', 'STATUS=two lines here']);
  });

  it('fromEnv removes the variables so that children do not inherit systemd\'s socket', () => {
    const env: NodeJS.ProcessEnv = { NOTIFY_SOCKET: '/s', WATCHDOG_USEC: '1000', WATCHDOG_PID: '9', PATH: '/usr/bin' };
    const n = SystemdNotifier.fromEnv(env, quiet, 9);
    assert.ok(n.enabled);
    assert.equal(n.settings?.watchdogIntervalMs, 1, '1 ms at least');
    assert.deepEqual(env, { PATH: '/usr/bin' });
  });

  it('disabled notifier: send resolves false without running anything', async () => {
    const n = new SystemdNotifier(undefined, quiet, '/nonexistent/tool');
    assert.equal(n.enabled, false);
    assert.equal(await n.ready('x'), false);
    n.startWatchdog();
    n.stopWatchdog();
  });

  it('a missing systemd-notify tool is reported once and turns notifications off', async () => {
    const warnings: string[] = [];
    const n = new SystemdNotifier({ socket: '/s', watchdogIntervalMs: undefined }, { warn: (_o, m) => warnings.push(m), debug: () => undefined }, '/nonexistent/systemd-notify');
    assert.equal(await n.ready(), false);
    assert.equal(await n.stopping(), false);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /systemd-notify is not installed/);
  });
});
