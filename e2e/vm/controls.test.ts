// VM lane, camera settings: real vivid controls set through the API and read back with
// v4l2-ctl; invalid values refused with the device unchanged; saved values re-applied after
// an unbind/bind and after a service restart; a capture mode change seen by an RTSP reader;
// an MJPEG v4l2loopback camera published over RTSP. Driven by guest/controls-scenario.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeScenarioScript, runInVm, serviceLane } from './harness.js';
import type { ControlsReport } from './guest/controls-scenario.js';

const { skip, mediamtx } = serviceLane();

test('VM camera settings: controls, persistence across re-plug and restart, mode change, MJPEG loopback', { skip, timeout: 600_000 }, async (t) => {
  const res = await runInVm(nodeScenarioScript('dist/e2e/vm/guest/controls-scenario.js'), { timeoutMs: 540_000, env: { MEDIAMTX_BIN: mediamtx } });
  const where = `(out dir ${res.outDir})\n--- output.log\n${res.log.slice(-4000)}`;
  assert.equal(res.exitCode, 0, `guest script failed ${where}`);
  const r = res.report as ControlsReport;
  assert.ok(r, `no report ${res.reportError ?? ''} ${where}`);
  t.diagnostic(`vm controls timings ${JSON.stringify(r.timings)}`);
  t.diagnostic(`set_camera_controls latency on vivid in the VM (ms, not asserted): ${JSON.stringify(r.latency)}; v4l2-ctl alone: ${JSON.stringify(r.v4l2ctlAlone)}`);
  assert.ok(r.ok, `scenario failed: ${r.error} ${where}`);

  await t.test('get_camera_controls lists vivid\'s controls of every type', () => {
    assert.ok((r.controlCount ?? 0) > 60, `${r.controlCount} controls`);
    assert.deepEqual(r.types, ['bitmask', 'bool', 'button', 'int', 'int64', 'intmenu', 'menu', 'string']);
  });

  await t.test('set → read back with v4l2-ctl (gain made active by gain_automatic off in the same request)', () => {
    assert.deepEqual(r.set?.api, { brightness: 200, contrast: 50, gain: 77, gain_automatic: false, menu: 4 });
    const v = r.set!.v4l2ctl;
    assert.deepEqual([v.brightness, v.contrast, v.gain_automatic, v.gain, v.menu], ['200', '50', '0', '77', '4 (Menu Item 4)']);
  });

  await t.test('invalid values → -32602 with details per control, nothing changed on the device', () => {
    const inv = r.invalid!;
    assert.equal(inv.code, -32602);
    assert.deepEqual(Object.fromEntries(Object.entries(inv.details).map(([k, v]) => [k, v.rule])), {
      brightness: 'maximum', read_only_integer_32_bits: 'read-only', dv_timings: 'inactive', menu: 'menu',
    });
    assert.deepEqual(inv.after, inv.before, 'the device is unchanged (contrast, the valid value, was not written either)');
  });

  await t.test('unbind/bind → saved values re-applied (read back)', () => {
    assert.equal(r.rebind?.reason, 'reapplied_on_connect');
    const v = r.rebind!.v4l2ctl;
    assert.deepEqual([v.brightness, v.contrast, v.gain_automatic, v.gain, v.menu], ['200', '50', '0', '77', '4 (Menu Item 4)']);
  });

  await t.test('mode change → the RTSP reader sees the new size; status says operator', () => {
    assert.equal(r.mode?.before, '320x180', 'the policy\'s mode before');
    assert.equal(r.mode?.notified, '640x360', 'clients got camera_status_update with the new resolution');
    assert.deepEqual([r.mode?.read.width, r.mode?.read.height, r.mode?.read.codec], [640, 360, 'h264']);
    assert.deepEqual(r.mode?.status, { format: 'YUYV', width: 640, height: 360, fps: 5, source: 'operator' });
    assert.deepEqual(r.mode?.reapplied, ['reapplied_before_publisher_start', 'reapplied_after_publisher_start'], 'controls re-applied before and after the publisher started');
  });

  await t.test('restart → saved values and mode re-applied; unsaved ones not', () => {
    assert.deepEqual(r.restart?.cleared, { brightness: '128', contrast: '128', gain_automatic: '1', menu: '3 (Menu Item 3)' });
    const v = r.restart!.v4l2ctl;
    assert.deepEqual([v.brightness, v.contrast, v.gain_automatic, v.gain, v.menu, v.saturation], ['200', '50', '0', '77', '4 (Menu Item 4)', '128']);
    assert.deepEqual(r.restart?.mode, { format: 'YUYV', width: 640, height: 360, fps: 5, source: 'operator' });
  });

  await t.test('saved values the camera rejects are dropped from the saved set and reported', () => {
    assert.deepEqual(Object.fromEntries(Object.entries(r.restart?.rejected ?? {}).map(([k, v]) => [k, v.rule])), { hue: 'maximum', no_such_control: 'unknown' });
    assert.deepEqual(r.restart?.savedAfter, ['brightness', 'contrast', 'gain', 'gain_automatic', 'menu']);
  });

  await t.test('reset → device defaults, nothing saved', () => {
    const v = r.reset!.v4l2ctl;
    assert.deepEqual([v.brightness, v.contrast, v.gain_automatic, v.menu], ['128', '128', '1', '3 (Menu Item 3)']);
    assert.deepEqual(r.reset?.persisted, []);
  });

  await t.test('MJPEG from a v4l2loopback writer is published and readable over RTSP', () => {
    assert.deepEqual(r.mjpeg?.formats, ['MJPG']);
    assert.equal(r.mjpeg?.template, 'v4l2-mjpeg-x264');
    assert.deepEqual([r.mjpeg?.read.codec, r.mjpeg?.read.width, r.mjpeg?.read.height], ['h264', 320, 240]);
    assert.ok((r.mjpeg?.read.frames ?? 0) > 0);
  });
});
