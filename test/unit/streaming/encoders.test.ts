import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEncoderList, templatesMissingEncoder } from '../../../src/streaming/ffmpeg/encoders.js';
import { loadTemplatesSync } from '../../../src/streaming/templates/catalog.js';
import { readFixture, TEMPLATES_DIR } from './fixtures.js';

describe('parseEncoderList on `ffmpeg -encoders` of Debian 12', () => {
  const encoders = parseEncoderList(readFixture('host', 'encoders.txt'));

  it('lists the encoders, not the legend', () => {
    for (const e of ['libx264', 'h264_v4l2m2m', 'h264_vaapi', 'mjpeg', 'png']) assert.ok(encoders.has(e), e);
    assert.ok(!encoders.has('='), 'legend lines are skipped');
    assert.ok(encoders.size > 100);
  });

  it('every shipped template has its encoder in this build', () => {
    assert.deepEqual(templatesMissingEncoder(loadTemplatesSync(TEMPLATES_DIR).list(), encoders), []);
  });

  it('a build without libx264 is reported', () => {
    const missing = templatesMissingEncoder(loadTemplatesSync(TEMPLATES_DIR).list(), new Set(['mjpeg', 'png']));
    assert.ok(missing.some((t) => t.name === 'v4l2-raw-x264'));
    assert.ok(!missing.some((t) => t.encoder === 'copy'));
  });
});
