import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cameraMethods } from '../../../src/api/methods/cameras.js';
import type { Role } from '../../../src/api/auth/roles.js';
import { RpcError } from '../../../src/api/rpc/errors.js';
import type { CallContext } from '../../../src/api/rpc/registry.js';
import { CameraRegistry } from '../../../src/cameras/registry.js';

const urls = (id: string) => ({ rtsp: `rtsp://h:8554/${id}`, hls: '', webrtc: '' });
const ctx = (role: Role): CallContext => ({
  session: { id: 's1', remote: '127.0.0.1', auth: { role, userId: 'u', expiresAt: Date.now() + 60_000, method: 'jwt' } },
  requestId: 'r1',
});

function setup(figures = { bytes_sent: 1234, readers: 2 }) {
  const registry = new CameraRegistry();
  registry.upsert({
    id: 'camera0',
    kind: 'v4l2',
    name: 'vivid',
    status: 'CONNECTED',
    mode: { format: 'YUYV', width: 640, height: 480, fps: 29.97 },
    capabilities: { formats: ['YUYV', 'MJPG'], resolutions: ['1920x1080', '640x480'], fps_options: [30, 25, 12] },
    debug: { device: '/dev/video0', nodes: [{ devnode: '/dev/video0' }] },
    since: Date.now() - 5_000,
  });
  registry.upsert({ id: 'camera1', kind: 'v4l2', name: 'gone', status: 'DISCONNECTED', capabilities: { formats: ['H264'], resolutions: ['1280x720'], fps_options: [30] } });
  registry.upsert({ id: 'camera2', kind: 'v4l2', name: 'broken', status: 'ERROR', error: 'v4l2-ctl did not finish within 5000 ms' });
  const asked: string[] = [];
  const methods = cameraMethods({ registry, streamUrls: urls, pathFigures: async (id) => (asked.push(id), figures) });
  const call = async (name: string, params: object, role: Role = 'viewer') => methods.find((m) => m.name === name)!.handler(params, ctx(role));
  return { call, asked };
}

describe('get_camera_status', () => {
  it('a connected camera: the Camera fields, MediaMTX figures, uptime, capabilities; no device paths for viewers', async () => {
    const { call, asked } = setup();
    const r = (await call('get_camera_status', { device: 'camera0' })) as Record<string, any>;
    assert.deepEqual(
      { ...r, metrics: { ...r.metrics, uptime: r.metrics.uptime >= 5 && r.metrics.uptime < 60 } },
      {
        device: 'camera0', status: 'CONNECTED', name: 'vivid', resolution: '640x480', fps: 30, streams: urls('camera0'),
        metrics: { bytes_sent: 1234, readers: 2, uptime: true },
        capabilities: { formats: ['YUYV', 'MJPG'], resolutions: ['1920x1080', '640x480'] },
        mode: { format: 'YUYV', width: 640, height: 480, fps: 29.97, source: 'policy' },
      },
    );
    assert.deepEqual(asked, ['camera0']);
    assert.doesNotMatch(JSON.stringify(r), /\/dev\//);
    for (const role of ['operator'] as const) assert.equal(((await call('get_camera_status', { device: 'camera0' }, role)) as any).debug, undefined);
  });

  it('admins also get debug with the device nodes', async () => {
    const { call } = setup();
    const r = (await call('get_camera_status', { device: 'camera0' }, 'admin')) as Record<string, any>;
    assert.equal(r.debug.device, '/dev/video0');
  });

  it('a disconnected camera: zero metrics without asking MediaMTX, last known capabilities', async () => {
    const { call, asked } = setup();
    const r = (await call('get_camera_status', { device: 'camera1' })) as Record<string, any>;
    assert.deepEqual([r.status, r.metrics, r.capabilities.formats, r.resolution, r.fps], ['DISCONNECTED', { bytes_sent: 0, readers: 0, uptime: 0 }, ['H264'], '', 0]);
    assert.deepEqual(asked, []);
  });

  it('an unknown camera is -32010 with resource "camera"', async () => {
    const { call } = setup();
    await assert.rejects(call('get_camera_status', { device: 'camera9' }), (err: RpcError) => {
      assert.equal(err.code, -32010);
      assert.deepEqual([err.data.resource, err.data.id], ['camera', 'camera9']);
      return true;
    });
  });
});

describe('get_camera_capabilities', () => {
  it('lists, frame_rates repeating fps_options, and validation_status by state', async () => {
    const { call } = setup();
    const r0 = (await call('get_camera_capabilities', { device: 'camera0' })) as Record<string, any>;
    assert.deepEqual(r0, {
      device: 'camera0', formats: ['YUYV', 'MJPG'], resolutions: ['1920x1080', '640x480'], fps_options: [30, 25, 12], frame_rates: [30, 25, 12], validation_status: 'CONFIRMED',
    });
    assert.equal(((await call('get_camera_capabilities', { device: 'camera1' })) as any).validation_status, 'DISCONNECTED');
    const r2 = (await call('get_camera_capabilities', { device: 'camera2' })) as Record<string, any>;
    assert.deepEqual([r2.validation_status, r2.formats, r2.frame_rates], ['NONE', [], []]);
    await assert.rejects(call('get_camera_capabilities', { device: 'camera7' }), (err: RpcError) => err.code === -32010);
  });
});
