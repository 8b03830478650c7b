/** RTSP/1.0 requests and responses (RFC 2326 framing), pure. */

export function rtspRequest(method: 'OPTIONS' | 'DESCRIBE', url: string, cseq: number): string {
  const extra = method === 'DESCRIBE' ? 'Accept: application/sdp\r\n' : '';
  return `${method} ${url} RTSP/1.0\r\nCSeq: ${cseq}\r\n${extra}User-Agent: camera-service\r\n\r\n`;
}

export interface RtspResponse {
  status: number;
  reason: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * Parses one complete response from the start of `buf`; returns undefined while more bytes
 * are needed, and throws on bytes that are not RTSP.
 */
export function parseRtspResponse(buf: Buffer): { response: RtspResponse; rest: Buffer } | undefined {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) {
    if (buf.length > 16384) throw new Error('RTSP response header too large');
    if (buf.length >= 5 && !buf.subarray(0, 5).equals(Buffer.from('RTSP/'))) throw new Error('not an RTSP response');
    return undefined;
  }
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^RTSP\/1\.[01] (\d{3}) ?(.*)$/.exec(lines[0] ?? '');
  if (!m) throw new Error(`not an RTSP status line: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  if (!Number.isInteger(length) || length < 0 || length > 1 << 20) throw new Error('invalid RTSP Content-Length');
  const bodyStart = end + 4;
  if (buf.length < bodyStart + length) return undefined;
  return {
    response: { status: Number(m[1]), reason: m[2] ?? '', headers, body: buf.subarray(bodyStart, bodyStart + length).toString('utf8') },
    rest: buf.subarray(bodyStart + length),
  };
}

/** Media kinds and codecs announced by an SDP body (`m=` lines and their rtpmap). */
export function sdpMedia(sdp: string): { kind: string; codec: string }[] {
  const out: { kind: string; codec: string }[] = [];
  let current: { kind: string; codec: string } | undefined;
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) {
      current = { kind: line.slice(2).split(' ')[0] ?? '', codec: '' };
      out.push(current);
    } else if (current && current.codec === '' && line.startsWith('a=rtpmap:')) {
      current.codec = (line.split(' ')[1] ?? '').split('/')[0] ?? '';
    }
  }
  return out;
}
