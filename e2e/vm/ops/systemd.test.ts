/**
 * systemd/camera-service.service under a real systemd (PID 1 of a namespace in the QEMU VM
 * lane, see systemd.guest.sh): Type=notify start completes on the daemon's READY=1 (sent
 * through systemd-notify with NotifyAccess=all) with its status text; the hardening holds
 * (service user with group video, no capabilities, no new privileges, read-only system, no
 * home, private /tmp, writable state); MediaMTX and FFmpeg run in the unit's control group; a
 * frozen event loop misses WATCHDOG=1 and systemd restarts the service; `systemctl stop`
 * ends it cleanly with nothing left. Only the drop-in differs from the shipped unit: ExecStart
 * on this tree and a test config, WatchdogSec=6, LimitCORE=0, logs to a file.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runInVm, vmUnavailableReason } from '../harness.js';
import { skipUnlessPresent } from '../../../test/helpers/required.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const SCRIPT = readFileSync(fileURLToPath(new URL('../../../../e2e/vm/ops/systemd.guest.sh', import.meta.url)), 'utf8');
const unavailable = skipUnlessPresent(vmUnavailableReason());

interface Report {
  error?: string;
  startedState: string;
  statusText: string;
  ready: string;
  uid: string;
  groups: string;
  noNewPrivs: string;
  capBnd: string;
  fs: string;
  unitProcesses: string;
  mainPid1: string;
  mainPid2: string;
  restarts: string;
  stopResult: string;
  exitStatus: string;
  leftInCgroup: string;
  stoppingSeen: string;
}

describe('camera-service.service under a real systemd (VM lane)', { skip: unavailable }, () => {
  it('notify start, hardening, watchdog restart and clean stop', { timeout: 600_000 }, async (t) => {
    const mtx = spawnSync(join(ROOT, 'scripts', 'provision-mediamtx.sh'), { encoding: 'utf8' });
    assert.equal(mtx.status, 0, mtx.stderr);
    assert.doesNotMatch(mtx.stdout.trim(), /^\/(tmp|run)\//, 'the MediaMTX binary must not be cached under /tmp or /run, which the VM guest does not see (set CAMERA_SERVICE_CACHE or HOME elsewhere)');
    const res = await runInVm(SCRIPT, { timeoutMs: 330_000, guestTimeoutMs: 300_000, env: { MTX: mtx.stdout.trim() } });
    const progress = (() => {
      try {
        return readFileSync(`${res.outDir}/progress.log`, 'utf8');
      } catch {
        return '';
      }
    })();
    const where = `(out dir ${res.outDir})\n--- progress\n${progress}\n--- output.log\n${res.log.slice(-2000)}\n--- console\n${res.console.slice(-3000)}`;
    assert.equal(res.exitCode, 0, `guest script failed: ${JSON.stringify(res.report)} ${where}`);
    const r = res.report as Report;
    t.diagnostic(JSON.stringify(r));

    // Type=notify: "active (running)" only after READY=1, with the STATUS= the daemon sent.
    assert.equal(r.startedState, 'running');
    assert.equal(r.statusText, 'ready: listening on port 18002');
    assert.equal(r.ready, '200', '/health/ready answers once systemd reports the unit started');

    // Hardening as the running service sees it.
    assert.equal(r.uid, '995', 'runs as the camera-service user');
    assert.ok(r.groups.split(' ').includes('44'), `supplementary group video: ${r.groups}`);
    assert.equal(r.noNewPrivs, '1');
    assert.equal(r.capBnd, '0000000000000000', 'empty capability bounding set');
    assert.deepEqual(r.fs.split('|').filter(Boolean), ['Read-only file system', 'root entries 0', 'tmp entries 0', 'state writable']);
    assert.deepEqual(new Set(r.unitProcesses.split(',').map((p) => p.replace(/x\d+$/, ''))), new Set(['node', 'mediamtx', 'ffmpeg']), r.unitProcesses);

    // Watchdog: the frozen daemon was killed and started again.
    assert.match(res.console, /camera-service\.service: Watchdog timeout \(limit 6s\)!/);
    assert.match(res.console, /camera-service\.service: Failed with result 'watchdog'/);
    assert.ok(Number(r.restarts) >= 1);
    assert.notEqual(r.mainPid2, r.mainPid1, 'a new main process');

    // Stop: SIGTERM handled, exit 0, control group empty.
    assert.equal(r.stoppingSeen, '1');
    assert.equal(r.stopResult, 'success');
    assert.equal(r.exitStatus, '0');
    assert.equal(r.leftInCgroup, '0');
  });
});
