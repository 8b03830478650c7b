import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { streamStatusFields } from '../../../src/streaming/ffmpeg/status.js';
import { SUPERVISOR_STATES } from '../../../src/streaming/ffmpeg/state.js';
import type { SupervisorStatus } from '../../../src/streaming/ffmpeg/supervisor.js';

const base: SupervisorStatus = {
  state: 'running', reason: 'first frame written', running: true, pid: 4242, spawnedAt: 1, firstFrameAt: 2, uptimeMs: 61_999, restarts: 0,
  lastExit: null, stderr: [], argv: ['ffmpeg'],
  progress: { frame: 620, fps: 10.01, bitrateKbps: null, totalSizeBytes: null, outTimeUs: 62_000_000, dupFrames: 0, dropFrames: 0, speed: 1, end: false },
};

describe('streamStatusFields (get_stream_status)', () => {
  it('a running publisher is ACTIVE with its pid, whole-second uptime, frames and fps', () => {
    assert.deepEqual(streamStatusFields(base), {
      status: 'ACTIVE',
      ffmpeg_process: { running: true, pid: 4242, uptime: 61 },
      metrics: { frames_sent: 620, fps: 10.01 },
    });
  });

  it('maps every supervisor state onto the contract statuses', () => {
    const got = Object.fromEntries(SUPERVISOR_STATES.map((state) => [state, streamStatusFields({ ...base, state }).status]));
    assert.deepEqual(got, { idle: 'INACTIVE', starting: 'STARTING', running: 'ACTIVE', backoff: 'ERROR', stopping: 'STOPPING', stopped: 'INACTIVE', failed: 'ERROR' });
  });

  it('without a process: not running, zeros', () => {
    const s = streamStatusFields({ ...base, state: 'stopped', running: false, pid: null, uptimeMs: 0, progress: null });
    assert.deepEqual(s, { status: 'INACTIVE', ffmpeg_process: { running: false, pid: null, uptime: 0 }, metrics: { frames_sent: 0, fps: 0 } });
  });
});
