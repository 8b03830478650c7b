import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { jpegSize, MpjpegParser } from '../../../src/media/mpjpeg.js';

/** Real FFmpeg mpjpeg output: 3 frames of 64x48. */
function ffmpegMpjpeg(): Buffer {
  return execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=5', '-frames:v', '3', '-c:v', 'mjpeg', '-f', 'mpjpeg', '-'], { maxBuffer: 1 << 24 });
}

describe('mpjpeg parser', () => {
  it('splits real FFmpeg output into whole JPEGs whatever the chunking', () => {
    const out = ffmpegMpjpeg();
    for (const chunk of [1, 7, 100, 4096, out.length]) {
      const parser = new MpjpegParser();
      const frames: Buffer[] = [];
      for (let i = 0; i < out.length; i += chunk) frames.push(...parser.push(out.subarray(i, i + chunk)));
      assert.equal(frames.length, 3, `chunk ${chunk}`);
      for (const f of frames) {
        assert.deepEqual([f[0], f[1], f.at(-2), f.at(-1)], [0xff, 0xd8, 0xff, 0xd9]);
        assert.deepEqual(jpegSize(f), { width: 64, height: 48 });
      }
    }
  });

  it('refuses output that is not multipart JPEG', () => {
    assert.throws(() => new MpjpegParser().push(Buffer.from('--ffmpeg\r\nContent-type: image/jpeg\r\n\r\nxx')), /Content-length/);
    assert.throws(() => new MpjpegParser().push(Buffer.alloc(5000, 0x41)), /too long/);
  });

  it('jpegSize: undefined for non-JPEG data', () => {
    assert.equal(jpegSize(Buffer.from('not a jpeg')), undefined);
    assert.equal(jpegSize(Buffer.from([0xff, 0xd8, 0xff, 0xd9])), undefined);
  });
});
