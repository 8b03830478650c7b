import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyMediaFailure } from '../../../src/media/failure.js';

const errno = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('media write failures', () => {
  it('errno codes: read-only or refused folder, full disk', () => {
    assert.equal(classifyMediaFailure(errno('EROFS', "EROFS: read-only file system, access '/rec'")), 'storage_not_writable');
    assert.equal(classifyMediaFailure(errno('EACCES')), 'storage_not_writable');
    assert.equal(classifyMediaFailure(errno('ENOSPC')), 'disk_full');
    assert.equal(classifyMediaFailure(errno('EDQUOT')), 'disk_full');
  });

  it("FFmpeg's messages: full disk, read-only output, a binary that cannot be run", () => {
    assert.equal(classifyMediaFailure(new Error('FFmpeg ended before the first frame (exit code 1): [out#0/mp4] Error opening output /r/x.mp4: No space left on device')), 'disk_full');
    assert.equal(classifyMediaFailure(new Error('exit code 1'), ['/r/x.mp4: Read-only file system']), 'storage_not_writable');
    assert.equal(classifyMediaFailure(new Error('FFmpeg exit code 1'), ['Could not open file : /r/x.jpg: Permission denied']), 'storage_not_writable');
    assert.equal(classifyMediaFailure(new Error('FFmpeg ended before the first frame (exit code null): spawn failed: spawn /opt/ffmpeg ENOENT')), 'ffmpeg_missing');
    assert.equal(classifyMediaFailure(new Error('FFmpeg could not start /opt/ffmpeg: spawn /opt/ffmpeg ENOENT')), 'ffmpeg_missing');
  });

  it('anything else is a plain failure', () => {
    assert.equal(classifyMediaFailure(new Error('path camera0 not available within 10000 ms')), 'failed');
    assert.equal(classifyMediaFailure(undefined), 'failed');
    assert.equal(classifyMediaFailure(errno('ECONNREFUSED')), 'failed');
  });
});
