// VM lane smoke test: boots the QEMU VM (real kernel V4L2), loads vivid and v4l2loopback and
// checks what the kernel, v4l2-ctl, FFmpeg and udev see. Timings are reported, not asserted.
// Run with `npm run test:vm` (needs root, qemu-system-x86, linux-image-amd64, busybox-static,
// v4l2loopback-dkms; see hardware/README.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { nodeScenarioScript, runInVm, vmUnavailableReason } from './harness.js';
import type { SmokeReport } from './guest/smoke-scenario.js';
import { skipUnlessPresent } from '../../test/helpers/required.js';

const unavailable = skipUnlessPresent(vmUnavailableReason());

const guestScript = nodeScenarioScript('dist/e2e/vm/guest/smoke-scenario.js');

test('VM smoke: vivid and v4l2loopback in a real kernel', { skip: unavailable, timeout: 300_000 }, async (t) => {
  const res = await runInVm(guestScript, { timeoutMs: 120_000 });
  const where = `(out dir ${res.outDir})\n--- output.log\n${res.log.slice(-3000)}\n--- run-vm stderr\n${res.stderr.slice(-2000)}`;
  assert.equal(res.exitCode, 0, `guest script failed ${where}`);
  assert.ok(res.report, `no report.json ${res.reportError ?? ''} ${where}`);
  const r = res.report as SmokeReport;

  const tr = r.loopback.trials;
  const timing = {
    host: res.timings,
    guestUptimeAtStart: r.guestUptimeAtStart,
    nodeStartupMs: r.nodeStartupMs,
    vividModprobeMs: r.vivid.modprobeMs,
    vividInotifyAddMs: r.vivid.nodes.map((n) => n.inotifyAddMs),
    frameGrabMs: r.frameGrab?.ms,
    loopback: tr.map((x) => ({
      loadMs: x.loadMs,
      inotifyAddMs: x.inotifyAddMs,
      udevAddMs: x.udevAddMs,
      modeAtInotify: `${x.modeAtInotify}/gid ${x.gidAtInotify}`,
      modeAfterUdev: `${x.modeAfterUdev}/gid ${x.gidAfterUdev}`,
      unloadMs: x.unloadMs,
      inotifyRemoveMs: x.inotifyRemoveMs,
      udevRemoveMs: x.udevRemoveMs,
    })),
    scenarioMs: r.totalMs,
  };
  t.diagnostic(`timings ${JSON.stringify(timing)}`);

  assert.deepEqual(r.errors, [], `scenario errors ${where}`);

  // vivid n_devs=2 node_types=0x20001,0x1: two video capture nodes, one metadata capture node
  assert.equal(r.vivid.modprobeExitCode, 0);
  const byType = (type: string): string[] => r.vivid.nodes.filter((n) => n.type === type).map((n) => `${n.bus}`);
  assert.deepEqual(byType('video-capture').sort(), ['platform:vivid-000', 'platform:vivid-001']);
  assert.deepEqual(byType('metadata-capture'), ['platform:vivid-000']);
  assert.equal(r.vivid.nodes.length, 3, JSON.stringify(r.vivid.nodes));
  assert.match(r.vivid.listDevices, /platform:vivid-000/);
  assert.match(r.vivid.listDevices, /platform:vivid-001/);

  // FFmpeg grabs a frame
  assert.ok(r.frameGrab, 'no frame grab');
  assert.equal(r.frameGrab.exitCode, 0, r.frameGrab.stderr);
  assert.ok(r.frameGrab.isJpeg && r.frameGrab.bytes > 1000, `frame: ${r.frameGrab.bytes} bytes`);

  // udev made by-path links (vivid instances share the platform-vivid.0 prefix)
  assert.ok(
    r.byPath.some((l) => l.link.startsWith('platform-vivid.0-video-index')),
    `by-path links: ${JSON.stringify(r.byPath)}`,
  );

  // v4l2loopback loads (Video Output only until a writer attaches, exclusive_caps=1) and unloads
  assert.ok(tr.length > 0);
  for (const x of tr) {
    assert.equal(x.loadExitCode, 0);
    assert.ok(x.node, 'loopback node seen by inotify');
    assert.equal(x.sysfsName, 'Loop Cam');
    assert.ok(x.deviceCaps?.includes('Video Output'), JSON.stringify(x.deviceCaps));
    assert.ok(!x.deviceCaps?.includes('Video Capture'));
    assert.equal(x.unloadExitCode, 0);
    assert.equal(x.goneAfterUnload, true);
  }
  assert.equal(r.loopback.moduleLoadedAfterTrials, false);
  assert.equal(r.vividUnload.exitCode, 0);
  assert.deepEqual(r.vividUnload.nodesLeft, []);

  if (!process.env['VM_KEEP_OUT']) rmSync(res.outDir, { recursive: true, force: true });
});

test('a boot that shows no sign of life is diagnosed, started once more, then given up: exit 125, no qemu left', { skip: unavailable, timeout: 120_000 }, async () => {
  // -S: qemu starts with its vCPUs stopped, so the guest never reaches its wrapper.
  const res = await runInVm('exit 0\n', { timeoutMs: 60_000, env: { VM_QEMU_ARGS: '-S', VM_BOOT_TIMEOUT: '2' } });
  assert.equal(res.exitCode, 125, res.stderr);
  const lines = res.stderr.split('\n');
  assert.equal(lines.filter((l) => l.startsWith('run-vm: boot hung: no sign of the guest wrapper 2s')).length, 2, res.stderr);
  assert.ok(lines.some((l) => /vCPU0 [RE]IP=[0-9a-f]+ vCPU1 [RE]IP=[0-9a-f]+/.test(l)), `each vCPU's instruction pointer is reported\n${res.stderr}`);
  assert.ok(lines.includes('run-vm: boot hung: stopped that VM; booting once more'), res.stderr);
  assert.ok(lines.includes('run-vm: boot hung twice; giving up'), res.stderr);
  assert.equal(res.timings.bootHangs, 2);
  assert.ok(!res.stderr.includes('VM killed after'), 'given up before VM_TIMEOUT');
  const left = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((a) => a.includes('qemu-system') && a.includes(res.outDir));
  assert.deepEqual(left, []);
  rmSync(res.outDir, { recursive: true, force: true });
});
