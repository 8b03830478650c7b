/**
 * A minimal RTSP/1.0 player over one TCP connection: DESCRIBE, SETUP of one track with RTP
 * interleaved on the same connection (channel 0), PLAY, then that track's packets until the
 * caller has what it wants, and it hangs up. Credentials in the URL go as HTTP Basic on every
 * request, never into request lines or error messages. Used for an idle camera's first keyframe
 * (src/media/rtsp-keyframe.ts) and by the bench's player, which times the first packet.
 */
import { connect } from 'node:net';
import { parseRtspResponse, type RtspResponse } from './rtsp-message.js';

export type PlayStep = 'DESCRIBE' | 'SETUP' | 'PLAY' | 'MEDIA';

export interface PlayOptions<T> {
  /** rtsp://[user:password@]host:port/path */
  url: string;
  timeoutMs: number;
  userAgent: string;
  /** The track to play from DESCRIBE's SDP (its control URL, resolved against `base`), or an Error that ends the session. */
  pickTrack(sdp: string, base: string): string | Error;
  /** Each RTP packet of the track with its arrival time (performance.now()); a result ends the session. */
  onPacket(packet: Buffer, at: number): T | undefined;
  /** A request was sent (`at` before the write) or a step's answer arrived. */
  onStep?(event: 'sent' | 'answered', step: PlayStep, at: number): void;
}

export function playRtsp<T>(o: PlayOptions<T>): Promise<T> {
  const u = new URL(o.url);
  const auth = u.username || u.password ? [`Authorization: Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`] : [];
  u.username = '';
  u.password = '';
  const target = u.href;
  return new Promise((resolve, reject) => {
    const sock = connect({ host: u.hostname, port: Number(u.port || 554) });
    sock.setNoDelay(true);
    let buf: Buffer = Buffer.alloc(0);
    let cseq = 0;
    let step: PlayStep = 'DESCRIBE';
    let settled = false;
    const done = (err: Error | undefined, value?: T) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(value as T);
    };
    const timer = setTimeout(() => done(new Error(`${target}: nothing within ${o.timeoutMs} ms (at ${step})`)), o.timeoutMs);
    const send = (method: PlayStep, to: string, headers: string[] = []) => {
      cseq++;
      o.onStep?.('sent', method, performance.now());
      sock.write(`${method} ${to} RTSP/1.0\r\n${[`CSeq: ${cseq}`, ...headers, ...auth, `User-Agent: ${o.userAgent}`].map((h) => `${h}\r\n`).join('')}\r\n`);
    };
    const onResponse = (r: RtspResponse) => {
      if (r.status !== 200) return done(new Error(`${target}: ${step} answered ${r.status} ${r.reason}`));
      o.onStep?.('answered', step, performance.now());
      if (step === 'DESCRIBE') {
        const track = o.pickTrack(r.body, r.headers['content-base'] ?? target);
        if (track instanceof Error) return done(track);
        step = 'SETUP';
        send('SETUP', track, ['Transport: RTP/AVP/TCP;unicast;interleaved=0-1']);
      } else if (step === 'SETUP') {
        const session = (r.headers['session'] ?? '').split(';')[0]!.trim();
        step = 'PLAY';
        send('PLAY', target, [`Session: ${session}`, 'Range: npt=0.000-']);
      } else if (step === 'PLAY') step = 'MEDIA';
    };
    sock.on('connect', () => send('DESCRIBE', target, ['Accept: application/sdp']));
    sock.on('error', (err) => done(err));
    sock.on('close', () => done(new Error(`${target}: connection closed at ${step}`)));
    sock.on('data', (chunk: Buffer) => {
      const at = performance.now();
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      while (buf.length > 0 && !settled) {
        if (buf[0] === 0x24) {
          // Interleaved binary data: '$', channel, 16-bit length, payload.
          if (buf.length < 4) return;
          const len = buf.readUInt16BE(2);
          if (buf.length < 4 + len) return;
          const channel = buf[1];
          const packet = buf.subarray(4, 4 + len);
          buf = buf.subarray(4 + len);
          if (channel !== 0 || (step !== 'MEDIA' && step !== 'PLAY')) continue;
          const result = o.onPacket(packet, at);
          if (result !== undefined) return done(undefined, result);
          continue;
        }
        let parsed: { response: RtspResponse; rest: Buffer } | undefined;
        try {
          parsed = parseRtspResponse(buf);
        } catch (err) {
          return done(err as Error);
        }
        if (!parsed) return;
        buf = parsed.rest;
        onResponse(parsed.response);
      }
    });
  });
}
