// VM lane, recording: a real vivid camera recorded by the real service for 5 s (the file
// plays 5 ± 1 s), then unplugged (vivid unbound) during a recording: the file is finalized
// and plays, and the client gets the recording's end and the camera's disconnection.
// Driven by guest/recording-scenario.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeScenarioScript, runInVm, serviceLane } from './harness.js';
import type { RecordingReport } from './guest/recording-scenario.js';

const { skip, mediamtx } = serviceLane();

test('VM recording: 5 s from a vivid camera plays; unplug during a recording leaves a playable file and a notification', { skip, timeout: 300_000 }, async (t) => {
  const res = await runInVm(nodeScenarioScript('dist/e2e/vm/guest/recording-scenario.js'), { timeoutMs: 240_000, env: { MEDIAMTX_BIN: mediamtx } });
  const where = `(out dir ${res.outDir})\n--- output.log\n${res.log.slice(-4000)}`;
  assert.equal(res.exitCode, 0, `guest script failed ${where}`);
  const r = res.report as RecordingReport;
  assert.ok(r, `no report ${res.reportError ?? ''} ${where}`);
  t.diagnostic(`vm recording ${JSON.stringify({ timings: r.timings, timed: r.timed, unplugged: r.unplugged })}`);
  assert.ok(r.ok, `scenario failed: ${r.error} ${where}`);

  const timed = r.timed!;
  assert.deepEqual([timed.status, timed.reason, timed.listed], ['STOPPED', 'duration_reached', true]);
  assert.ok(timed.probedSeconds !== null && Math.abs(timed.probedSeconds - 5) <= 1, `ffprobe: ${timed.probedSeconds} s`);
  assert.ok(timed.decodedFrames > 0);

  const cut = r.unplugged!;
  assert.deepEqual([cut.status, cut.reason, cut.listed], ['STOPPED', 'camera_disconnected', true]);
  assert.ok(cut.probedSeconds !== null && cut.probedSeconds >= 1.5, `ffprobe: ${cut.probedSeconds} s`);
  assert.ok(cut.decodedFrames > 0, 'the file plays');
  assert.equal(cut.cameraStatus, 'DISCONNECTED');
});
