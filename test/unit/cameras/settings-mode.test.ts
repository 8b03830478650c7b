// Camera settings, pure parts: an operator's capture mode checked against the formats a
// device offers (recorded fixtures), and against a test-pattern camera's limits.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchMode, matchTestPatternMode } from '../../../src/cameras/settings/mode.js';
import { parseListFormatsExt } from '../../../src/discovery/v4l2-formats.js';
import { fixture } from '../discovery/fixture-tree.js';

const vivid = () => parseListFormatsExt(fixture('vivid/vivid-000-video-capture').read('list-formats-ext.txt'));
const c920 = () => parseListFormatsExt(fixture('uvc/logitech-c920').read('list-formats-ext.txt'));

describe('matchMode', () => {
  it('an offered format, size and rate: the exact interval', () => {
    const m = matchMode(vivid(), { format: 'YUYV', width: 640, height: 360, fps: 25 });
    assert.ok(m.ok);
    if (m.ok) assert.deepEqual([m.mode.format, m.mode.width, m.mode.height, m.mode.fps, m.mode.interval], ['YUYV', 640, 360, 25, { num: 1, den: 25 }]);
  });

  it('without a format: the best offered one (policy order) with that size and rate', () => {
    const m = matchMode(c920(), { width: 1280, height: 720, fps: 30 });
    assert.ok(m.ok);
    if (m.ok) assert.equal(m.mode.format, 'H264');
  });

  it('refusals name the param: format, size, frame rate', () => {
    assert.deepEqual(pick(matchMode(vivid(), { format: 'H264', width: 640, height: 360, fps: 25 })), ['format', 'offered']);
    assert.deepEqual(pick(matchMode(vivid(), { format: 'YUYV', width: 641, height: 360, fps: 25 })), ['width', 'offered']);
    const r = matchMode(vivid(), { format: 'YUYV', width: 640, height: 480, fps: 60 });
    assert.deepEqual(pick(r), ['fps', 'offered']);
    if (!r.ok) assert.match(r.reason, /it offers 25, 15, 12, 10, 5, 4, 2, 1$/);
  });
});

describe('matchTestPatternMode', () => {
  it('H264, even sizes, whole rates 1..60', () => {
    assert.ok(matchTestPatternMode({ width: 320, height: 240, fps: 10 }).ok);
    assert.deepEqual(pick(matchTestPatternMode({ format: 'MJPG', width: 320, height: 240, fps: 10 })), ['format', 'offered']);
    assert.deepEqual(pick(matchTestPatternMode({ width: 321, height: 240, fps: 10 })), ['width', 'offered']);
    assert.deepEqual(pick(matchTestPatternMode({ width: 320, height: 240, fps: 61 })), ['fps', 'offered']);
  });
});

function pick(m: ReturnType<typeof matchMode>): [string, string] | 'ok' {
  return m.ok ? 'ok' : [m.param, m.rule];
}
