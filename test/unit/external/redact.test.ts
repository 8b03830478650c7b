import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactUrlCredentials } from '../../../src/external/redact.js';

describe('stream URL credentials', () => {
  it('user and password become ***; everything else is kept as written', () => {
    assert.equal(redactUrlCredentials('rtsp://admin:S3cr3tPw@10.0.0.5:554/live/ch0?x=1'), 'rtsp://***:***@10.0.0.5:554/live/ch0?x=1');
    assert.equal(redactUrlCredentials('rtsps://user@cam.local/stream'), 'rtsps://***@cam.local/stream');
    assert.equal(redactUrlCredentials('rtsp://a%40b:p%3Aw@h/s'), 'rtsp://***:***@h/s');
    assert.equal(redactUrlCredentials('rtsp://u:p@w@h/s'), 'rtsp://***:***@h/s', 'an @ in the password');
  });

  it('URLs without credentials are unchanged; unparseable ones still lose anything before @', () => {
    assert.equal(redactUrlCredentials('rtsp://10.0.0.5:554/live'), 'rtsp://10.0.0.5:554/live');
    assert.equal(redactUrlCredentials('rtsp://cam/path@2x'), 'rtsp://cam/path@2x', 'an @ in the path is not a credential');
    assert.equal(redactUrlCredentials('rtsp://us er:pw@[bad/x'), 'rtsp://***@[bad/x');
  });
});
