/** Loopback addresses: who is a local peer, and how local clients reach a listener. Pure. */

/** True for IPv4 127/8, IPv6 ::1 and IPv4-mapped loopback peers. */
export function isLoopback(address: string | undefined): boolean {
  return address !== undefined && /^(127\.|::1$|::ffff:127\.)/.test(address);
}

/** The address a local client uses for a listener bound to `bindHost` (all interfaces: 127.0.0.1). */
export function localHostFor(bindHost: string): string {
  return bindHost === '' || bindHost === '0.0.0.0' || bindHost === '::' ? '127.0.0.1' : bindHost;
}

/** The RTSP URL of a path on the local MediaMTX. */
export function localRtspUrl(mediamtx: { listen_host: string; rtsp_port: number }, path: string): string {
  return `rtsp://${localHostFor(mediamtx.listen_host)}:${mediamtx.rtsp_port}/${path}`;
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
