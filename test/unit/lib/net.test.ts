import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { internalBaseUrl, localRtspUrl, mediaTls, streamUrls } from '../../../src/lib/net.js';

const server = (tls: boolean, host = '0.0.0.0') => ({ host, public_host: 'cam.example', tls_cert_file: tls ? '/c.pem' : '' });
const mediamtx = (managed = true) => ({ managed, listen_host: '', rtsp_port: 8554, rtsps_port: 8322, hls_port: 8888, webrtc_port: 8889 });

describe('URLs from the config', () => {
  it('stream URLs: rtsp/http without TLS; rtsps/https with TLS in managed mode', () => {
    assert.deepEqual(streamUrls({ server: server(false), mediamtx: mediamtx() }, 'camera0'), {
      rtsp: 'rtsp://cam.example:8554/camera0',
      hls: 'http://cam.example:8888/camera0/index.m3u8',
      webrtc: 'http://cam.example:8889/camera0/whep',
    });
    assert.deepEqual(streamUrls({ server: server(true), mediamtx: mediamtx() }, 'camera0'), {
      rtsp: 'rtsps://cam.example:8322/camera0',
      hls: 'https://cam.example:8888/camera0/index.m3u8',
      webrtc: 'https://cam.example:8889/camera0/whep',
    });
    assert.deepEqual(streamUrls({ server: server(true), mediamtx: { ...mediamtx(), hls_port: 0, webrtc_port: 0 } }, 'c'), { rtsp: 'rtsps://cam.example:8322/c', hls: '', webrtc: '' });
  });

  it('an external MediaMTX is configured by its owner: its URLs stay plain even with server TLS', () => {
    assert.equal(mediaTls({ server: server(true), mediamtx: mediamtx(false) }), false);
    assert.equal(streamUrls({ server: server(true), mediamtx: mediamtx(false) }, 'c').rtsp, 'rtsp://cam.example:8554/c');
  });

  it('the service\'s own RTSP clients use loopback plain RTSP; with TLS always 127.0.0.1', () => {
    assert.equal(localRtspUrl({ server: server(false), mediamtx: { ...mediamtx(), listen_host: '192.0.2.1' } }, 'c'), 'rtsp://192.0.2.1:8554/c');
    assert.equal(localRtspUrl({ server: server(true), mediamtx: { ...mediamtx(), listen_host: '192.0.2.1' } }, 'c'), 'rtsp://127.0.0.1:8554/c');
  });

  it('internal routes: plain HTTP on 127.0.0.1, whatever the API listener binds', () => {
    assert.equal(internalBaseUrl(41234), 'http://127.0.0.1:41234');
  });
});
