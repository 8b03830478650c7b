/**
 * hardware/udev/70-camera-service.rules and hardware/modprobe.d/v4l2loopback.conf on a real
 * kernel and a real udevd, in the QEMU VM lane (e2e/vm): the modprobe.d options create the two
 * labelled loopback cameras, and the udev rule gives them group video, mode 0660, the systemd
 * tag and CAMERA_SERVICE=1, while other devices stay untouched. Skipped where the VM lane
 * cannot run (see hardware/README.md).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runInVm, vmUnavailableReason } from '../harness.js';
import { skipUnlessPresent } from '../../../test/helpers/required.js';

const unavailable = skipUnlessPresent(vmUnavailableReason());

/** The guest script (run as root in the VM, in the project dir; writes $OUT/report.json). */
const SCRIPT = readFileSync(fileURLToPath(new URL('../../../../e2e/vm/ops/hardware.guest.sh', import.meta.url)), 'utf8');

interface Report {
  nodes: { dev: string; owner: string; mode: string; tags: string; marked: string; card: string }[];
  otherMarked: string;
}

describe('udev rule and modprobe.d example on a real kernel (VM lane)', { skip: unavailable }, () => {
  it('v4l2loopback from the example: /dev/video20 and /dev/video21, labelled; the rule sets group video, 0660, the systemd tag and CAMERA_SERVICE=1', { timeout: 300_000 }, async () => {
    const res = await runInVm(SCRIPT, { timeoutMs: 150_000 });
    const where = `(out dir ${res.outDir})\n--- output.log\n${res.log.slice(-3000)}\n--- run-vm stderr\n${res.stderr.slice(-2000)}`;
    assert.equal(res.exitCode, 0, `guest script failed: ${JSON.stringify(res.report)} ${where}`);
    const r = res.report as Report;
    assert.deepEqual(
      r.nodes.map((n) => ({ dev: n.dev, owner: n.owner, mode: n.mode, marked: n.marked, card: n.card })),
      [
        { dev: '/dev/video20', owner: 'root:video', mode: '660', marked: '1', card: 'Loop Cam 1' },
        { dev: '/dev/video21', owner: 'root:video', mode: '660', marked: '1', card: 'Loop Cam 2' },
      ],
    );
    for (const n of r.nodes) assert.match(n.tags, /:systemd:/, `${n.dev} tagged for systemd`);
    assert.equal(r.otherMarked, '', 'devices outside video4linux are not marked');
  });
});
