// VM lane, streaming: a real vivid camera published by the real service through its managed
// MediaMTX; a real RTSP reader gets frames; unplugging the camera (unbinding vivid) stops its
// FFmpeg within 1 s and notifies clients. On-demand activation (reader's DESCRIBE/PLAY and
// start_streaming → first RTP packet) is measured from an idle camera on vivid and on an MJPEG
// v4l2loopback camera, beside the device's own first frame; printed, not bounded (the guest is
// emulated). Driven by guest/streaming-scenario.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeScenarioScript, runInVm, serviceLane } from './harness.js';
import { ON_DEMAND_SAMPLES, onDemandTable } from './guest/on-demand.js';
import type { StreamingReport } from './guest/streaming-scenario.js';

const { skip, mediamtx } = serviceLane();

test('VM streaming: a vivid camera is published, read over RTSP, and stopped at unplug', { skip, timeout: 960_000 }, async (t) => {
  const res = await runInVm(nodeScenarioScript('dist/e2e/vm/guest/streaming-scenario.js'), { timeoutMs: 900_000, env: { MEDIAMTX_BIN: mediamtx } });
  const where = `(out dir ${res.outDir})\n--- output.log\n${res.log.slice(-4000)}`;
  assert.equal(res.exitCode, 0, `guest script failed ${where}`);
  const r = res.report as StreamingReport;
  assert.ok(r, `no report ${res.reportError ?? ''} ${where}`);
  t.diagnostic(`vm streaming timings ${JSON.stringify({ ...r.timings, read: r.read, unplug: r.unplug })}`);
  assert.ok(r.ok, `scenario failed: ${r.error} ${where}`);
  assert.equal(r.camera?.status, 'CONNECTED');
  assert.equal(r.read?.code, 0, 'the RTSP reader succeeded');
  assert.equal(r.read?.codec, 'h264');
  assert.equal(`${r.read?.width}x${r.read?.height}`, r.camera?.resolution, 'the stream has the camera mode resolution');
  assert.ok((r.read?.frames ?? 0) > 0, 'the reader got frames');
  assert.equal(r.streamStatus?.running, true);
  assert.equal(r.streamStatus?.template, 'v4l2-raw-x264');
  assert.equal(r.unplug?.status, 'DISCONNECTED', 'the client was notified');
  // Judged against the same run, not a wall-clock bound (the guest runs under emulation, slower
  // still when the host is busy): the publisher is gone by the time clients hear of the unplug,
  // give or take a second, not left to die of a read timeout later.
  const { ffmpegGoneMs, notifiedMs } = r.unplug!;
  assert.ok(ffmpegGoneMs !== null && notifiedMs !== null && ffmpegGoneMs <= notifiedMs + 1000, `FFmpeg gone ${ffmpegGoneMs} ms after the unplug, clients notified after ${notifiedMs} ms`);

  // On-demand activation: every sample from an idle camera got its packet; figures only, no bounds.
  assert.deepEqual(r.onDemand?.map((f) => f.label), ['vivid (raw → x264)', 'v4l2loopback fed MJPEG 320x240@15']);
  for (const f of r.onDemand!) {
    t.diagnostic(`on-demand first packet vs the device's first frame\n${onDemandTable(f)}\npublisher input: ${f.inputArgs.join(' ')}`);
    assert.deepEqual(f.errors, [], `${f.label}: every sample got a packet`);
    const series = { ...f.play, ...f.startStreaming, ...f.floor };
    for (const [name, ms] of Object.entries(series)) {
      assert.equal(ms.length, ON_DEMAND_SAMPLES, `${f.label} ${name}: one figure per sample`);
      assert.ok(ms.every((v) => Number.isFinite(v) && v > 0), `${f.label} ${name}: positive and finite (${ms.join(', ')})`);
    }
    // Each sample found the publisher running and the next one began after it had stopped.
    assert.deepEqual(f.publisherRan, Array(2 * ON_DEMAND_SAMPLES).fill(true), `${f.label}: the on-demand publisher ran for each sample`);
    assert.equal(f.stoppedAfterMs.length, 2 * ON_DEMAND_SAMPLES, `${f.label}: the publisher stopped after each sample`);
  }
});
