import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cameraState } from '../../../src/mqtt/state.js';

describe('mqtt camera state document', () => {
  const streams = { rtsp: 'rtsp://h:8554/camera0', hls: '', webrtc: '' };
  const camera = { id: 'camera0', kind: 'v4l2' as const, name: 'USB cam', status: 'CONNECTED' as const, mode: { format: 'MJPG', width: 1280, height: 720, fps: 29.97 }, since: Date.UTC(2026, 0, 1) };

  it('status, name, mode, stream URLs and recording state', () => {
    assert.deepEqual(cameraState(camera, streams, { filename: 'camera0_x.mp4', format: 'fmp4', startedAt: Date.UTC(2026, 0, 2) }), {
      device: 'camera0', name: 'USB cam', kind: 'v4l2', status: 'CONNECTED', since: '2026-01-01T00:00:00.000Z',
      mode: { format: 'MJPG', width: 1280, height: 720, fps: 29.97 }, resolution: '1280x720', fps: 30, streams,
      recording: { active: true, filename: 'camera0_x.mp4', format: 'fmp4', start_time: '2026-01-02T00:00:00.000Z' },
    });
  });

  it('a camera without a mode and not recording', () => {
    const { mode: _m, ...bare } = camera;
    const s = cameraState({ ...bare, status: 'DISCONNECTED' }, streams, undefined);
    assert.deepEqual([s.mode, s.resolution, s.fps, s.status], [null, '', 0, 'DISCONNECTED']);
    assert.deepEqual(s.recording, { active: false, filename: null, format: null, start_time: null });
  });
});
