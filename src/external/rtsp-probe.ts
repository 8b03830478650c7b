/** Probes one RTSP URL with a real OPTIONS then DESCRIBE on one TCP connection, with a deadline. */
import { connect } from 'node:net';
import { parseRtspResponse, rtspRequest, sdpMedia, type RtspResponse } from './rtsp-message.js';

export interface ProbeResult {
  url: string;
  /** DESCRIBE answered 200: a stream is there. */
  found: boolean;
  /** DESCRIBE answered 401: a stream may be there, behind credentials. */
  authRequired: boolean;
  status: number | null;
  media: { kind: string; codec: string }[];
  error?: string;
  ms: number;
}

export function probeRtsp(url: string, timeoutMs: number): Promise<ProbeResult> {
  const started = performance.now();
  const u = new URL(url);
  return new Promise((resolve) => {
    const sock = connect({ host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 554) });
    let buf: Buffer = Buffer.alloc(0);
    let step: 'OPTIONS' | 'DESCRIBE' = 'OPTIONS';
    let done = false;
    const finish = (r: Omit<ProbeResult, 'url' | 'ms'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ url, ms: Math.round(performance.now() - started), ...r });
    };
    const fail = (error: string, status: number | null = null) => finish({ found: false, authRequired: false, status, media: [], error });
    const timer = setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs);
    sock.on('connect', () => sock.write(rtspRequest('OPTIONS', url, 1)));
    sock.on('error', (err) => fail(err.message));
    sock.on('close', () => fail('connection closed'));
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      let parsed: { response: RtspResponse; rest: Buffer } | undefined;
      try {
        parsed = parseRtspResponse(buf);
      } catch (err) {
        return fail((err as Error).message);
      }
      if (!parsed) return;
      buf = parsed.rest;
      const { status, body } = parsed.response;
      if (step === 'OPTIONS') {
        step = 'DESCRIBE';
        sock.write(rtspRequest('DESCRIBE', url, 2));
        return;
      }
      if (status === 200) return finish({ found: true, authRequired: false, status, media: sdpMedia(body) });
      if (status === 401) return finish({ found: false, authRequired: true, status, media: [] });
      fail(`DESCRIBE answered ${status} ${parsed.response.reason}`, status);
    });
  });
}

