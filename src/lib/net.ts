/**
 * Loopback addresses and the URLs built from the config: who is a local peer, how local clients
 * reach a listener, the stream URLs clients are given, and where the service's own helpers
 * (the on-demand hook, MediaMTX's callbacks) reach its internal routes. Pure.
 */

/** True for IPv4 127/8, IPv6 ::1 and IPv4-mapped loopback peers. */
export function isLoopback(address: string | undefined): boolean {
  return address !== undefined && /^(127\.|::1$|::ffff:127\.)/.test(address);
}

/** The address a local client uses for a listener bound to `bindHost` (all interfaces: 127.0.0.1). */
export function localHostFor(bindHost: string): string {
  return bindHost === '' || bindHost === '0.0.0.0' || bindHost === '::' ? '127.0.0.1' : bindHost;
}

interface ServerTls {
  tls_cert_file: string;
}

/** server.tls_cert_file is set: the API listener speaks https/wss only. */
export function serverTls(server: ServerTls): boolean {
  return server.tls_cert_file !== '';
}

/**
 * The managed MediaMTX serves RTSPS and HTTPS (server TLS on, managed mode); its plain RTSP
 * listener then binds 127.0.0.1 only, for the service's own FFmpeg publishers and readers.
 * An external MediaMTX is configured by its owner: its URLs stay as they are.
 */
export function mediaTls(c: { server: ServerTls; mediamtx: { managed: boolean } }): boolean {
  return serverTls(c.server) && c.mediamtx.managed;
}

type RtspConfig = { server: ServerTls; mediamtx: { managed: boolean; listen_host: string; rtsp_port: number } };

/** Host of MediaMTX's plain RTSP listener as the service's own processes reach it. */
export function localRtspHost(c: RtspConfig): string {
  return mediaTls(c) ? '127.0.0.1' : localHostFor(c.mediamtx.listen_host);
}

/** The RTSP URL of a path on the local MediaMTX (plain RTSP, for the service's own FFmpeg). */
export function localRtspUrl(c: RtspConfig, path: string): string {
  return `rtsp://${localRtspHost(c)}:${c.mediamtx.rtsp_port}/${path}`;
}

/** The stream URLs of a camera as clients are given them (rtsps/https when mediaTls). */
export function streamUrls(
  c: { server: ServerTls & { public_host: string }; mediamtx: { managed: boolean; rtsp_port: number; rtsps_port: number; hls_port: number; webrtc_port: number } },
  id: string,
): { rtsp: string; hls: string; webrtc: string } {
  const host = c.server.public_host;
  const { rtsp_port, rtsps_port, hls_port, webrtc_port } = c.mediamtx;
  const tls = mediaTls(c);
  const http = tls ? 'https' : 'http';
  return {
    rtsp: tls ? `rtsps://${host}:${rtsps_port}/${id}` : `rtsp://${host}:${rtsp_port}/${id}`,
    hls: hls_port ? `${http}://${host}:${hls_port}/${id}/index.m3u8` : '',
    webrtc: webrtc_port ? `${http}://${host}:${webrtc_port}/${id}/whep` : '',
  };
}

/**
 * Where the service's own helpers reach its `/internal/` routes (the on-demand hook; a MediaMTX
 * callback such as an HTTP auth hook): a listener of its own, plain HTTP bound to 127.0.0.1 on
 * a free port picked at start (`port`), serving only those routes. The API port never serves
 * them, so they need no certificate with TLS and are not reachable from the network.
 */
export const INTERNAL_HOST = '127.0.0.1';

export function internalBaseUrl(port: number): string {
  return `http://${INTERNAL_HOST}:${port}`;
}

/** `rtsp://user:pass@host/…` (percent-encoded) when there are credentials. */
export function withCredentials(url: string, c: { user: string; pass: string } | undefined): string {
  if (!c) return url;
  const i = url.indexOf('://') + 3;
  return `${url.slice(0, i)}${encodeURIComponent(c.user)}:${encodeURIComponent(c.pass)}@${url.slice(i)}`;
}

/** `text` with the credentials of every URL in it (`scheme://user:pass@`) replaced by `***:***` (child output, error messages). */
export function redactCredentialsInText(text: string): string {
  return text.includes('@') ? text.replace(/\b([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^\s/@'"]+@/g, '$1***:***@') : text;
}
