/**
 * The MediaMTX configuration file the service writes in managed mode. Pure: config in, YAML
 * out. Only keys that exist in the pinned MediaMTX version are written (unknown keys stop its
 * startup); everything else keeps MediaMTX's defaults. Paths are not configured here: the
 * path manager sets them through the API.
 */
import { stringify } from '../lib/deps/yaml.js';
import type { Config } from '../config/schema.js';

/**
 * `marker` goes into `sysLogPrefix` (syslog is not used) so the service can tell its MediaMTX
 * from another one on the API port; `apiUser` holds the credentials the API (and metrics, pprof)
 * require, so no other local process reads the path configuration (with its hook command and
 * demand token) or changes it.
 */
const LOOPBACK = ['127.0.0.1', '::1'];

/** The service's TLS pair, absolute paths (server.tls_cert_file / tls_key_file). */
export interface MediaTlsFiles {
  certFile: string;
  keyFile: string;
}
const API = [{ action: 'api' }, { action: 'metrics' }, { action: 'pprof' }];

export function renderManagedConfig(
  mtx: Config['mediamtx'],
  marker = 'camera-service',
  apiUser: { user: string; pass: string } = { user: 'camera-service', pass: '' },
  /** Who may publish (the service's FFmpeg publishers); without a password any loopback client may. */
  publisher: { user: string; pass: string } = { user: 'publisher', pass: '' },
  /**
   * With TLS: RTSP encryption "optional" with the plain RTSP listener on 127.0.0.1 only (the
   * service's FFmpeg publishers and readers) and RTSPS on listen_host:rtsps_port for everyone
   * else, media interleaved over TCP (no UDP/SRTP listeners); HLS and WebRTC signalling over
   * HTTPS on their ports. The API stays plain HTTP on loopback.
   */
  tls?: MediaTlsFiles,
  /** Media authentication (`mediamtx.media_auth: token`): the URL of the service's hook, which decides every request. */
  authHook?: string,
): string {
  const api = new URL(mtx.api_url);
  const at = (port: number) => `${mtx.listen_host}:${port}`;
  const doc: Record<string, unknown> = {
    logLevel: mtx.log_level,
    logDestinations: ['stdout'],
    sysLogPrefix: marker,
    // With a hook (media_auth: token), MediaMTX asks the service about every read, publish and
    // API request (src/mediamtx/media-auth.ts); nothing is excluded from asking. MediaMTX then
    // ignores authInternalUsers, written below for the service's own users only as a record of
    // the rules the hook applies to publish and the API.
    ...(authHook ? { authMethod: 'http', authHTTPAddress: authHook, authHTTPExclude: [] } : {}),
    // Publishing is for local FFmpeg processes only; anyone may read (media_auth: none). The API
    // stays on loopback and needs the service's credentials.
    // Without a password (scripts/install.sh writes this file for an external MediaMTX, and the
    // service has no credentials for it), the API stays open on loopback as before.
    authInternalUsers: [
      ...(authHook ? [] : [{ user: 'any', pass: '', ips: [], permissions: [{ action: 'read', path: '' }, { action: 'playback', path: '' }] }]),
      ...(apiUser.pass === ''
        ? [{ user: 'any', pass: '', ips: LOOPBACK, permissions: [{ action: 'publish', path: '' }, ...API] }]
        : [
            publisher.pass === ''
              ? { user: 'any', pass: '', ips: LOOPBACK, permissions: [{ action: 'publish', path: '' }] }
              : { user: publisher.user, pass: publisher.pass, ips: LOOPBACK, permissions: [{ action: 'publish', path: '' }] },
            { user: apiUser.user, pass: apiUser.pass, ips: LOOPBACK, permissions: API },
          ]),
    ],
    api: true,
    apiAddress: `127.0.0.1:${api.port || 80}`,
    metrics: false,
    pprof: false,
    playback: false,
    rtsp: true,
    ...(tls
      ? {
          rtspEncryption: 'optional',
          rtspAddress: `127.0.0.1:${mtx.rtsp_port}`,
          rtspsAddress: at(mtx.rtsps_port),
          rtspTransports: ['tcp'],
          rtspServerKey: tls.keyFile,
          rtspServerCert: tls.certFile,
        }
      : {
          rtspAddress: at(mtx.rtsp_port),
          rtspTransports: mtx.rtp_port === 0 ? ['tcp'] : ['udp', 'tcp'],
          ...(mtx.rtp_port === 0 ? {} : { rtpAddress: at(mtx.rtp_port), rtcpAddress: at(mtx.rtp_port + 1) }),
        }),
    rtmp: false,
    hls: mtx.hls_port !== 0,
    ...(mtx.hls_port !== 0 ? { hlsAddress: at(mtx.hls_port), ...(tls ? { hlsEncryption: true, hlsServerKey: tls.keyFile, hlsServerCert: tls.certFile } : {}) } : {}),
    webrtc: mtx.webrtc_port !== 0,
    ...(mtx.webrtc_port !== 0
      ? {
          webrtcAddress: at(mtx.webrtc_port),
          webrtcLocalUDPAddress: mtx.webrtc_udp_port === 0 ? '' : at(mtx.webrtc_udp_port),
          ...(tls ? { webrtcEncryption: true, webrtcServerKey: tls.keyFile, webrtcServerCert: tls.certFile } : {}),
        }
      : {}),
    srt: false,
    moq: false,
    paths: {},
  };
  return `# Written by camera-service (managed mode); changes here are overwritten at start.\n${stringify(doc)}`;
}
