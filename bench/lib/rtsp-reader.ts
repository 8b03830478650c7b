/**
 * A minimal RTSP reader for the bench: DESCRIBE, SETUP of the first video track (RTP
 * interleaved over the same TCP connection), PLAY, and the arrival time of the first RTP
 * packet of that track. It times what a player waits for, without a decoder's analysis
 * (ffprobe reads seconds of stream before it answers).
 */
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseRtspResponse, type RtspResponse } from '../../src/external/rtsp-message.js';

export interface FirstPacket {
  /** DESCRIBE sent → its answer (an on-demand path starts its publisher in between). */
  describeMs: number;
  /** PLAY sent → the first RTP packet of the video track. */
  playToPacketMs: number;
  /** DESCRIBE sent → the first RTP packet: the whole wait of a player. */
  totalMs: number;
}

/** The control URL of the first video track of an SDP body, resolved against `base`. */
export function videoControlUrl(sdp: string, base: string): string | undefined {
  let inVideo = false;
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) inVideo = line.startsWith('m=video');
    else if (inVideo && line.startsWith('a=control:')) {
      const control = line.slice('a=control:'.length).trim();
      if (/^rtsps?:\/\//.test(control)) return control;
      return `${base.replace(/\/$/, '')}/${control}`;
    }
  }
  return undefined;
}

/**
 * `url` may carry credentials (`rtsp://any:<token>@host/path`, the token of a viewer when the
 * service's media authentication is on): they go as `Authorization: Basic` on every request,
 * never into the request lines or error messages.
 */
export function readFirstPacket(withCredentials: string, timeoutMs: number): Promise<FirstPacket> {
  const u = new URL(withCredentials);
  const auth = u.username || u.password ? [`Authorization: Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`] : [];
  u.username = '';
  u.password = '';
  const url = u.href;
  return new Promise((resolve, reject) => {
    const sock = connect({ host: u.hostname, port: Number(u.port || 554) });
    sock.setNoDelay(true);
    let buf: Buffer = Buffer.alloc(0);
    let cseq = 0;
    let step: 'DESCRIBE' | 'SETUP' | 'PLAY' | 'MEDIA' = 'DESCRIBE';
    let session = '';
    const t: { describe: number; described?: number; play?: number } = { describe: 0 };
    let settled = false;
    const done = (err: Error | undefined, value?: FirstPacket) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(value!);
    };
    const timer = setTimeout(() => done(new Error(`${url}: no video packet within ${timeoutMs} ms (at ${step})`)), timeoutMs);
    const send = (method: string, target: string, headers: string[] = []) => {
      cseq++;
      sock.write(`${method} ${target} RTSP/1.0\r\nCSeq: ${cseq}\r\n${[...auth, ...headers].map((h) => `${h}\r\n`).join('')}User-Agent: camera-service-bench\r\n\r\n`);
    };
    const onResponse = (r: RtspResponse) => {
      if (r.status !== 200) return done(new Error(`${url}: ${step} answered ${r.status} ${r.reason}`));
      if (step === 'DESCRIBE') {
        t.described = performance.now();
        const track = videoControlUrl(r.body, r.headers['content-base'] ?? url);
        if (!track) return done(new Error(`${url}: no video track in the SDP`));
        step = 'SETUP';
        send('SETUP', track, ['Transport: RTP/AVP/TCP;unicast;interleaved=0-1']);
      } else if (step === 'SETUP') {
        session = (r.headers['session'] ?? '').split(';')[0]!.trim();
        step = 'PLAY';
        t.play = performance.now();
        send('PLAY', url, [`Session: ${session}`, 'Range: npt=0.000-']);
      } else if (step === 'PLAY') {
        step = 'MEDIA';
      }
    };
    sock.on('connect', () => {
      t.describe = performance.now();
      send('DESCRIBE', url, ['Accept: application/sdp']);
    });
    sock.on('error', (err) => done(err));
    sock.on('close', () => done(new Error(`${url}: connection closed at ${step}`)));
    sock.on('data', (chunk: Buffer) => {
      const at = performance.now();
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      for (;;) {
        if (buf.length === 0) return;
        if (buf[0] === 0x24) {
          // Interleaved binary data: '$', channel, 16-bit length, payload.
          if (buf.length < 4) return;
          const len = buf.readUInt16BE(2);
          if (buf.length < 4 + len) return;
          const channel = buf[1];
          buf = buf.subarray(4 + len);
          if (channel === 0 && (step === 'MEDIA' || step === 'PLAY')) {
            return done(undefined, { describeMs: t.described! - t.describe, playToPacketMs: at - t.play!, totalMs: at - t.describe });
          }
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
