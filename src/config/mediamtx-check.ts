/**
 * Combinations of `mediamtx.*` keys that the schema allows key by key but MediaMTX refuses at
 * start in managed mode (it would exit, and be restarted, forever). Pure: config in, one
 * problem line per refusal out, in the loader's format (key, problem, rule).
 */
import type { Config } from './schema.js';

export function managedConfigProblems(mtx: Config['mediamtx'], tls = false): string[] {
  if (!mtx.managed) return [];
  const problems: string[] = [];
  if (mtx.webrtc_port !== 0 && mtx.webrtc_udp_port === 0) {
    problems.push('mediamtx.webrtc_udp_port: must not be 0 while mediamtx.webrtc_port is on (MediaMTX needs a UDP port for WebRTC ICE; set webrtc_port: 0 to turn WebRTC off) [rule mediamtx:webrtc_udp]');
  }
  if (mtx.rtp_port !== 0) {
    if (mtx.rtp_port % 2 !== 0) problems.push(`mediamtx.rtp_port: must be even (MediaMTX refuses an odd RTP port) (got ${mtx.rtp_port}) [rule mediamtx:rtp_even]`);
    if (mtx.rtp_port >= 65535) problems.push(`mediamtx.rtp_port: must leave room for RTCP on the next port (got ${mtx.rtp_port}) [rule mediamtx:rtcp_port]`);
  }
  // Two listeners of one protocol on one port: MediaMTX exits with "address already in use".
  const apiPort = Number(new URL(mtx.api_url).port || 80);
  const tcp: [string, number][] = [
    ['mediamtx.api_url', apiPort],
    ['mediamtx.rtsp_port', mtx.rtsp_port],
    ...(tls ? ([['mediamtx.rtsps_port', mtx.rtsps_port]] as [string, number][]) : []),
    ['mediamtx.hls_port', mtx.hls_port],
    ['mediamtx.webrtc_port', mtx.webrtc_port],
  ];
  // With TLS the media travels over TCP (RTSP interleaved): no RTP/RTCP ports are opened.
  const udp: [string, number][] =
    mtx.rtp_port === 0 || tls ? [] : [['mediamtx.rtp_port', mtx.rtp_port], ['mediamtx.rtp_port (RTCP, the next port)', mtx.rtp_port + 1]];
  if (mtx.webrtc_port !== 0 && mtx.webrtc_udp_port !== 0) udp.push(['mediamtx.webrtc_udp_port', mtx.webrtc_udp_port]);
  for (const [protocol, list] of [['TCP', tcp], ['UDP', udp]] as const) {
    const seen = new Map<number, string>();
    for (const [key, port] of list) {
      if (port === 0) continue;
      const other = seen.get(port);
      if (other) problems.push(`${key.split(' ')[0]}: ${protocol} port ${port} is also used by ${other} [rule mediamtx:distinct_ports]`);
      else seen.set(port, key);
    }
  }
  return problems;
}
