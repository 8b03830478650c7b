/**
 * Camera settings through the real daemon and a real MediaMTX, on a test-pattern camera (the
 * V4L2 side runs in the VM lane, e2e/vm/controls.test.ts): set_camera_mode restarts the
 * publisher at the new size (ffprobe of the RTSP stream), is refused while recording, is kept
 * across a restart with persist; get_camera_controls of a test pattern is an empty list; bad
 * input is -32602 with details; roles; the camera.settings_changed topic and the audit line.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ffprobe } from '../../helpers/ffmpeg.js';
import { startService, until } from '../../helpers/service.js';

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: { code: number; data: Record<string, any> }) => e);
const CONFIG = { test_cameras: { patterns: [{ name: 'mode', width: 320, height: 240, fps: 10 }] }, discovery: { enabled: false } };

describe('camera settings on a test-pattern camera', () => {
  it('set_camera_mode: validated, publisher restarted at the new size, refused while recording, kept across a restart', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'camera-settings-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    let svc = await startService(CONFIG, { dir, keep: true });
    t.after(() => svc.stop());
    const viewer = await svc.client('viewer');
    const op = await svc.client('operator');
    t.after(async () => (await viewer.close(), await op.close()));
    const url = svc.rtspUrl('camera0');

    // Controls: a test pattern has none.
    assert.deepEqual(await viewer.call('get_camera_controls', { device: 'camera0' }), { device: 'camera0', controls: [] });
    const unknown = await failure(op.call('set_camera_controls', { device: 'camera0', controls: { brightness: 1 } }));
    assert.equal(unknown?.code, -32602);
    assert.deepEqual(unknown?.data.details, { brightness: { rule: 'unknown', reason: 'the camera has no control of this name (get_camera_controls lists them)' } });
    assert.equal((await failure(op.call('set_camera_controls', { device: 'camera0', controls: {} })))?.code, -32602);
    assert.equal((await failure(op.call('get_camera_controls', { device: 'camera7' })))?.code, -32010);

    // Roles: viewers read, operators change.
    assert.equal((await failure(viewer.call('set_camera_mode', { device: 'camera0', width: 160, height: 120, fps: 10 })))?.code, -32002);
    assert.equal((await failure(viewer.call('set_camera_controls', { device: 'camera0', controls: { a: 1 } })))?.code, -32002);
    assert.equal((await failure(viewer.call('reset_camera_controls', { device: 'camera0' })))?.code, -32002);

    // Validation against what the camera offers.
    const bad = await failure(op.call('set_camera_mode', { device: 'camera0', width: 321, height: 240, fps: 10 }));
    assert.deepEqual([bad?.code, bad?.data.param, bad?.data.rule], [-32602, 'width', 'offered']);
    assert.equal((await failure(op.call('set_camera_mode', { device: 'camera0', format: 'MJPG', width: 160, height: 120, fps: 10 })))?.data.param, 'format');

    const before = await viewer.call('get_camera_status', { device: 'camera0' });
    assert.deepEqual(before.mode, { format: 'H264', width: 320, height: 240, fps: 10, source: 'policy' });
    assert.deepEqual(await ffprobe(url), { codec_name: 'h264', width: 320, height: 240 });

    await op.call('subscribe_events', { topics: ['camera.settings_changed'] });
    const changed = op.waitForNotification<Record<string, any>>('camera.settings_changed', (p) => p.device === 'camera0');
    const r = await op.call('set_camera_mode', { device: 'camera0', width: 160, height: 120, fps: 10, persist: true });
    assert.deepEqual(r, { device: 'camera0', format: 'H264', width: 160, height: 120, fps: 10, source: 'operator', persisted: true });
    const n = await changed;
    assert.deepEqual([n.mode, n.by, n.reason, n.persisted], [{ format: 'H264', width: 160, height: 120, fps: 10, source: 'operator' }, 'test-operator', 'set', true]);
    // The log line travels over the daemon's stdout, which may arrive after the notification.
    const audit = await svc.waitForLog((l) => l.msg === 'camera settings changed' && l['audit'] === true);
    assert.deepEqual([audit?.['user'], audit?.['role'], audit?.['camera']], ['test-operator', 'operator', 'camera0']);

    const after = await viewer.call('get_camera_status', { device: 'camera0' });
    assert.deepEqual([after.resolution, after.mode?.source], ['160x120', 'operator']);
    // The publisher restarts with the new mode: a new reader gets the new size.
    await until(async () => (await ffprobe(url).catch(() => undefined))?.width === 160, 45_000, 'the stream at 160x120');
    assert.deepEqual(await ffprobe(url), { codec_name: 'h264', width: 160, height: 120 });

    // Refused while recording.
    await op.call('start_recording', { device: 'camera0' });
    const busy = await failure(op.call('set_camera_mode', { device: 'camera0', width: 320, height: 240, fps: 10 }));
    assert.deepEqual([busy?.code, busy?.data.state], [-32020, 'RECORDING']);
    await op.call('stop_recording', { device: 'camera0' });

    // Kept across a restart.
    await viewer.close();
    await op.close();
    await svc.stop();
    svc = await startService(CONFIG, { dir, keep: true });
    const v2 = await svc.client('viewer');
    t.after(() => v2.close());
    const restarted = await v2.call('get_camera_status', { device: 'camera0' });
    assert.deepEqual([restarted.resolution, restarted.mode?.source], ['160x120', 'operator']);
    assert.deepEqual(await ffprobe(svc.rtspUrl('camera0')), { codec_name: 'h264', width: 160, height: 120 });

    // Back to the configured size; nothing saved any more.
    const op2 = await svc.client('operator');
    t.after(() => op2.close());
    assert.deepEqual(await op2.call('reset_camera_mode', { device: 'camera0' }), { device: 'camera0', format: 'H264', width: 320, height: 240, fps: 10, source: 'policy' });
    assert.deepEqual((await v2.call('get_camera_status', { device: 'camera0' })).mode, { format: 'H264', width: 320, height: 240, fps: 10, source: 'policy' });
    await until(async () => (await ffprobe(svc.rtspUrl('camera0')).catch(() => undefined))?.width === 320, 45_000, 'the stream back at 320x240');
  });
});
