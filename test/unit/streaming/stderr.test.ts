import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyStderr, classifyStderrLine, describeError, FFMPEG_ERROR_CODES, isPermanentError } from '../../../src/streaming/ffmpeg/stderr.js';
import { fixtureNames, readFixture } from './fixtures.js';

const lines = (dir: string, name: string) => readFixture(dir, name).split('\n').filter((l) => l !== '');

describe('classifying stderr recorded from the real FFmpeg 5.1', () => {
  const expected: Record<string, string> = {
    'host/stderr-dns-failure.txt': 'dns_failure',
    'host/stderr-file-missing.txt': 'no_such_file',
    'host/stderr-invalid-data.txt': 'invalid_data',
    'host/stderr-permission-denied.txt': 'permission_denied',
    'host/stderr-rtsp-404.txt': 'stream_not_found',
    'host/stderr-rtsp-input-refused.txt': 'connection_refused',
    'host/stderr-rtsp-publish-refused.txt': 'connection_refused',
    'host/stderr-rtsp-server-gone.txt': 'connection_lost',
    'host/stderr-unknown-encoder.txt': 'codec_not_found',
    'host/stderr-unrecognized-option.txt': 'bad_option',
    'host/stderr-v4l2-missing-device.txt': 'no_such_file',
    'vivid/stderr-v4l2-busy.txt': 'device_busy',
    'vivid/stderr-v4l2-format-unsupported.txt': 'format_unsupported',
    'vivid/stderr-v4l2-unplug.txt': 'no_device',
  };

  it('every recorded stderr fixture has an expectation', () => {
    const all = [...fixtureNames('host', /^stderr-/).map((n) => `host/${n}`), ...fixtureNames('vivid', /^stderr-/).map((n) => `vivid/${n}`)];
    assert.deepEqual(all.sort(), Object.keys(expected).sort());
  });

  for (const [file, code] of Object.entries(expected)) {
    it(`${file} -> ${code}`, () => {
      const [dir, name] = file.split('/') as [string, string];
      const result = classifyStderr(lines(dir, name));
      assert.equal(result?.code, code);
      assert.ok(lines(dir, name).includes(result!.line));
    });
  }

  it('prefers the specific cause over the generic follow-up line', () => {
    // "Failed to resolve hostname ..." then "...: Input/output error"
    assert.equal(classifyStderrLine(lines('host', 'stderr-dns-failure.txt')[1]!), 'io_error');
    assert.equal(classifyStderr(lines('host', 'stderr-dns-failure.txt'))?.code, 'dns_failure');
    // "Cannot find a proper format ..." then "/dev/video0: Invalid argument"
    assert.equal(classifyStderr(lines('vivid', 'stderr-v4l2-format-unsupported.txt').reverse())?.code, 'format_unsupported');
  });

  it('ordinary warnings are not errors', () => {
    assert.equal(classifyStderrLine('[swscaler @ 0x5597] deprecated pixel format used, make sure you did set range correctly'), undefined);
    assert.equal(classifyStderr([]), undefined);
  });

  it('only pipeline/build problems are permanent; device and network trouble is worth a restart', () => {
    const permanent = FFMPEG_ERROR_CODES.filter(isPermanentError);
    assert.deepEqual(permanent, ['codec_not_found', 'bad_option', 'format_unsupported']);
    for (const code of FFMPEG_ERROR_CODES) assert.ok(describeError(code).length > 5, code);
  });
});
