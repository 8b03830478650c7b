/**
 * add_test_camera / remove_test_camera through the real daemon and a real MediaMTX: a camera
 * added at run time is announced to every client, listed, gets its MediaMTX path and streams;
 * removing it announces DISCONNECTED and drops the path; errors for params, names and roles.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Camera } from '../../../src/client/index.js';
import { ffprobe } from '../../helpers/ffmpeg.js';
import { startService, until } from '../../helpers/service.js';

const code = (p: Promise<unknown>) => p.then(() => 0, (e: { code: number }) => e.code);

describe('test-pattern cameras added and removed at run time', () => {
  it('add → CONNECTED to every client, listed, MediaMTX path, readable; remove → DISCONNECTED, path gone; re-add reconnects', async (t) => {
    const svc = await startService({ test_cameras: { patterns: [{ name: 'cfg', width: 160, height: 120, fps: 10 }] } });
    t.after(() => svc.stop());
    const admin = await svc.client('admin');
    const viewer = await svc.client('viewer');
    t.after(async () => (await admin.close(), await viewer.close()));
    const configPath = async (device: string) => (await fetch(`${svc.mediamtxApiUrl}/v3/config/paths/get/${device}`, { headers: svc.mediamtxHeaders })).status;

    const connected = Promise.all(
      [viewer, admin].map((c) => c.waitForNotification<Camera>('camera_status_update', (p) => p.name === 'Test pattern live1' && p.status === 'CONNECTED')),
    );
    const added = await admin.call('add_test_camera', { name: 'live1', width: 160, height: 120, fps: 10 });
    assert.deepEqual(
      { ...added, event_monotonic_ms: typeof added.event_monotonic_ms, timestamp: typeof added.timestamp },
      { device: 'camera1', name: 'live1', status: 'CONNECTED', reconnected: false, resolution: '160x120', fps: 10, encode_live: false, event_monotonic_ms: 'number', timestamp: 'string' },
    );
    const seenByViewer = (await connected)[0]!;
    assert.deepEqual([seenByViewer.device, seenByViewer.resolution, seenByViewer.fps], ['camera1', '160x120', 10]);
    assert.match(seenByViewer.streams.rtsp, /\/camera1$/);

    const listed = (await viewer.call('get_camera_list')).cameras.find((c) => c.device === 'camera1');
    assert.equal(listed?.status, 'CONNECTED');
    await until(async () => (await configPath('camera1')) === 200, 10000, 'the MediaMTX path of camera1');
    const probed = await ffprobe(svc.rtspUrl('camera1'));
    assert.deepEqual(probed, { codec_name: 'h264', width: 160, height: 120 });

    // Errors: duplicate, params (the config's pattern rules), unknown names, roles.
    assert.equal(await code(admin.call('add_test_camera', { name: 'live1' })), -32020);
    assert.equal(await code(admin.call('add_test_camera', { name: 'bad/name' })), -32602);
    assert.equal(await code(admin.call('add_test_camera', { name: 'x', width: 8 })), -32602);
    assert.equal(await code(admin.call('add_test_camera', { name: 'x', colour: 'red' } as never)), -32602);
    assert.equal(await code(admin.call('remove_test_camera', { name: 'nope' })), -32010);
    assert.equal(await code(admin.call('remove_test_camera', { device: 'camera9' })), -32010);
    assert.equal(await code(admin.call('remove_test_camera', {} as never)), -32602);
    assert.equal(await code(viewer.call('add_test_camera', { name: 'v' })), -32002);
    const operator = await svc.client('operator');
    assert.equal(await code(operator.call('remove_test_camera', { name: 'live1' })), -32002);
    await operator.close();

    const disconnected = viewer.waitForNotification<Camera>('camera_status_update', (p) => p.device === 'camera1' && p.status === 'DISCONNECTED');
    const removed = await admin.call('remove_test_camera', { name: 'live1' });
    assert.deepEqual([removed.device, removed.name, removed.status], ['camera1', 'live1', 'DISCONNECTED']);
    await disconnected;
    assert.equal((await viewer.call('get_camera_list')).cameras.find((c) => c.device === 'camera1')?.status, 'DISCONNECTED');
    await until(async () => (await configPath('camera1')) === 404, 10000, 'the MediaMTX path of camera1 removed');
    assert.equal(await code(admin.call('remove_test_camera', { device: 'camera1' })), -32020);

    const again = viewer.waitForNotification<Camera>('camera_status_update', (p) => p.device === 'camera1' && p.status === 'CONNECTED');
    const readded = await admin.call('add_test_camera', { name: 'live1', width: 160, height: 120, fps: 10 });
    assert.deepEqual([readded.device, readded.reconnected], ['camera1', true]);
    await again;
    await until(async () => (await configPath('camera1')) === 200, 10000, 'the MediaMTX path of camera1 again');

    // A config camera can be removed the same way.
    const cfgGone = viewer.waitForNotification<Camera>('camera_status_update', (p) => p.device === 'camera0' && p.status === 'DISCONNECTED');
    assert.equal((await admin.call('remove_test_camera', { name: 'cfg' })).device, 'camera0');
    await cfgGone;
  });
});
