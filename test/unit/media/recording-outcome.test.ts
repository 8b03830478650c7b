import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { endReasonOf, isFailure, RecordingError, startError } from '../../../src/media/recording-outcome.js';
import { keepsFirstFrame } from '../../../src/media/recording-session.js';
import type { RecorderExit } from '../../../src/media/recorder.js';

const exit = (o: Partial<RecorderExit>): RecorderExit => ({ code: 0, signal: null, at: 0, requested: false, diskFull: false, summary: '', stderr: [], ...o });

describe('recording outcome', () => {
  it('names why a recording ended: disk full first, then the requested end, then the camera, then the exit', () => {
    assert.equal(endReasonOf(exit({ diskFull: true }), 'stopped', 'CONNECTED'), 'disk_full');
    assert.equal(endReasonOf(exit({ requested: true }), 'stopped', 'CONNECTED'), 'stopped');
    assert.equal(endReasonOf(exit({}), 'start_failed', 'CONNECTED'), 'start_failed');
    assert.equal(endReasonOf(exit({}), undefined, 'DISCONNECTED'), 'camera_disconnected');
    assert.equal(endReasonOf(exit({ code: 0 }), undefined, 'CONNECTED'), 'stream_lost');
    assert.equal(endReasonOf(exit({ code: 1 }), undefined, 'CONNECTED'), 'recorder_failed');
  });

  it('tells failures from stops, and which stops wait for the first frame', () => {
    assert.deepEqual((['stopped', 'duration_reached', 'camera_disconnected', 'service_shutdown'] as const).map(isFailure), [false, false, false, false]);
    assert.deepEqual((['disk_full', 'stream_lost', 'recorder_failed', 'start_failed'] as const).map(isFailure), [true, true, true, true]);
    assert.deepEqual([keepsFirstFrame('stopped'), keepsFirstFrame('duration_reached'), keepsFirstFrame('service_shutdown'), keepsFirstFrame(undefined)], [true, true, false, false]);
  });

  it('classifies a refused start', () => {
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    assert.equal(startError(full, 'camera0', 'ffmpeg').code, 'disk_full');
    const denied = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    assert.equal(startError(denied, 'camera0', 'ffmpeg').code, 'not_writable');
    const known = new RecordingError('busy', 'x');
    assert.equal(startError(known, 'camera0', 'ffmpeg'), known);
    assert.equal(startError(new Error('something'), 'camera0', 'ffmpeg').code, 'start_failed');
  });
});
