// VM lane, streaming: a real vivid camera published by the real service through its managed
// MediaMTX; a real RTSP reader gets frames; unplugging the camera (unbinding vivid) stops its
// FFmpeg within 1 s and notifies clients. Driven by guest/streaming-scenario.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeScenarioScript, runInVm, serviceLane } from './harness.js';
import type { StreamingReport } from './guest/streaming-scenario.js';

const { skip, mediamtx } = serviceLane();

test('VM streaming: a vivid camera is published, read over RTSP, and stopped at unplug', { skip, timeout: 300_000 }, async (t) => {
  const res = await runInVm(nodeScenarioScript('dist/e2e/vm/guest/streaming-scenario.js'), { timeoutMs: 240_000, env: { MEDIAMTX_BIN: mediamtx } });
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
});
