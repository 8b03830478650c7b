import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRtspResponse, rtspRequest, sdpMedia } from '../../../src/external/rtsp-message.js';
import { expandHost, scanTargets } from '../../../src/external/scan-plan.js';

describe('RTSP messages', () => {
  it('builds OPTIONS and DESCRIBE requests', () => {
    assert.equal(rtspRequest('OPTIONS', 'rtsp://h:554/x', 1), 'OPTIONS rtsp://h:554/x RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: camera-service\r\n\r\n');
    assert.match(rtspRequest('DESCRIBE', 'rtsp://h:554/x', 2), /^DESCRIBE rtsp:\/\/h:554\/x RTSP\/1\.0\r\nCSeq: 2\r\nAccept: application\/sdp\r\n/);
  });

  it('parses a response with an SDP body, waiting for all of it', () => {
    const sdp = 'v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\nm=audio 0 RTP/AVP 97\r\na=rtpmap:97 mpeg4-generic/48000/2\r\n';
    const text = `RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Type: application/sdp\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`;
    assert.equal(parseRtspResponse(Buffer.from(text.slice(0, text.length - 5))), undefined);
    const r = parseRtspResponse(Buffer.from(`${text}RTSP/1.0`))!;
    assert.equal(r.response.status, 200);
    assert.equal(r.response.headers['content-type'], 'application/sdp');
    assert.deepEqual(sdpMedia(r.response.body), [{ kind: 'video', codec: 'H264' }, { kind: 'audio', codec: 'mpeg4-generic' }]);
    assert.equal(r.rest.toString(), 'RTSP/1.0');
  });

  it('rejects what is not RTSP', () => {
    assert.throws(() => parseRtspResponse(Buffer.from('HTTP/1.1 200 OK\r\n\r\n')), /not an RTSP/);
    assert.throws(() => parseRtspResponse(Buffer.from('SSH-2.0-OpenSSH')), /not an RTSP/);
  });
});

describe('scan plan', () => {
  it('expands CIDR blocks without network and broadcast addresses', () => {
    assert.deepEqual(expandHost('10.0.0.0/30'), ['10.0.0.1', '10.0.0.2']);
    assert.deepEqual(expandHost('10.0.0.7/32'), ['10.0.0.7']);
    assert.deepEqual(expandHost('drone.local'), ['drone.local']);
    assert.throws(() => expandHost('10.0.0.0/8'), /too large/);
  });

  it('probes Skydio EO/IR and generic ports × paths, bounded', () => {
    const t = scanTargets({ hosts: ['127.0.0.1'], skydio: true, generic: true, genericPorts: [8554], genericPaths: ['/a', '/b'], maxTargets: 100 });
    assert.deepEqual(t.map((x) => [x.url, x.type]), [
      ['rtsp://127.0.0.1:5554/subject', 'skydio_eo'],
      ['rtsp://127.0.0.1:6554/infrared', 'skydio_ir'],
      ['rtsp://127.0.0.1:8554/a', 'generic_rtsp'],
      ['rtsp://127.0.0.1:8554/b', 'generic_rtsp'],
    ]);
    assert.equal(scanTargets({ hosts: ['10.0.0.0/24'], skydio: true, generic: false, genericPorts: [], genericPaths: [], maxTargets: 7 }).length, 7);
  });
});
