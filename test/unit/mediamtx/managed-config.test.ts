import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { configSchema, type Config } from '../../../src/config/schema.js';
import { defaultsOf, merge } from '../../../src/lib/schema.js';
import { managedConfigProblems } from '../../../src/config/mediamtx-check.js';
import { renderManagedConfig } from '../../../src/mediamtx/managed-config.js';

const defaults = defaultsOf(configSchema) as Config;
const mtx = (over: Partial<Config['mediamtx']> = {}) => merge(defaults.mediamtx, over) as Config['mediamtx'];
const TLS = { certFile: '/etc/camera-service/tls/cert.pem', keyFile: '/etc/camera-service/tls/key.pem' };
const render = (m: Config['mediamtx'], tls?: typeof TLS) => parse(renderManagedConfig(m, 'm', { user: 'u', pass: 'p' }, { user: 'publisher', pass: 'q' }, tls)) as Record<string, unknown>;

describe('managed MediaMTX config: TLS', () => {
  it('without TLS: plain RTSP (UDP and TCP), HLS and WebRTC over HTTP on listen_host, no encryption keys written', () => {
    const doc = render(mtx({ listen_host: '' }));
    assert.equal(doc.rtspAddress, ':8554');
    assert.deepEqual(doc.rtspTransports, ['udp', 'tcp']);
    assert.equal(doc.rtpAddress, ':8000');
    for (const key of ['rtspEncryption', 'rtspsAddress', 'rtspServerKey', 'hlsEncryption', 'webrtcEncryption']) assert.equal(key in doc, false, key);
  });

  it('with TLS: RTSPS outward, plain RTSP on 127.0.0.1 only, TCP transport, HLS and WebRTC over HTTPS, all with the one pair', () => {
    const doc = render(mtx({ listen_host: '', rtsp_port: 8554, rtsps_port: 8322 }), TLS);
    assert.equal(doc.rtspEncryption, 'optional');
    assert.equal(doc.rtspAddress, '127.0.0.1:8554', 'plain RTSP only for the service\'s own FFmpeg processes');
    assert.equal(doc.rtspsAddress, ':8322');
    assert.deepEqual(doc.rtspTransports, ['tcp'], 'no UDP/SRTP listeners');
    assert.equal('rtpAddress' in doc, false);
    assert.deepEqual([doc.rtspServerKey, doc.rtspServerCert], [TLS.keyFile, TLS.certFile]);
    assert.deepEqual([doc.hlsEncryption, doc.hlsServerKey, doc.hlsServerCert], [true, TLS.keyFile, TLS.certFile]);
    assert.deepEqual([doc.webrtcEncryption, doc.webrtcServerKey, doc.webrtcServerCert], [true, TLS.keyFile, TLS.certFile]);
    assert.equal(doc.apiAddress, '127.0.0.1:9997', 'the API stays plain HTTP on loopback');
    assert.equal('apiEncryption' in doc, false);
  });

  it('with TLS and HLS/WebRTC off: no HLS/WebRTC keys at all', () => {
    const doc = render(mtx({ hls_port: 0, webrtc_port: 0, listen_host: '192.0.2.1' }), TLS);
    assert.equal(doc.rtspsAddress, '192.0.2.1:8322');
    assert.equal(doc.rtspAddress, '127.0.0.1:8554');
    for (const key of ['hlsEncryption', 'hlsServerKey', 'webrtcEncryption', 'webrtcServerKey']) assert.equal(key in doc, false, key);
  });

  it('checks: rtsps_port must differ from the other TCP ports only with TLS; with TLS no RTP ports are opened', () => {
    const clash = mtx({ rtsps_port: 8888 });
    assert.deepEqual(managedConfigProblems(clash, false), []);
    assert.deepEqual(managedConfigProblems(clash, true), ['mediamtx.hls_port: TCP port 8888 is also used by mediamtx.rtsps_port [rule mediamtx:distinct_ports]']);
    const rtpClash = mtx({ rtp_port: 8188, webrtc_udp_port: 8189 });
    assert.equal(managedConfigProblems(rtpClash, false).length, 1);
    assert.deepEqual(managedConfigProblems(rtpClash, true), []);
  });
});
