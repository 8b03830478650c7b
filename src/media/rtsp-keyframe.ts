/**
 * Reads one keyframe of a MediaMTX path over RTSP (DESCRIBE, SETUP of the video track with
 * RTP interleaved on the same TCP connection, PLAY) and hangs up: the first whole H.264 IDR
 * access unit, in Annex-B form (see h264-keyframe.ts). On an on-demand path MediaMTX holds
 * the DESCRIBE until the publisher is ready, so a reader that asks while the stream starts
 * gets the publisher's first picture, which is a keyframe. Credentials in the URL go as
 * HTTP Basic. Only H.264 is read: another codec rejects with `UnsupportedCodec`.
 */
import { connect } from 'node:net';
import { parseRtspResponse, type RtspResponse } from '../external/rtsp-message.js';
import { KeyframeAssembler, parseRtp, sdpVideoTrack } from './h264-keyframe.js';

export class UnsupportedCodec extends Error {
  constructor(readonly codec: string) {
    super(`the stream's video is ${codec || 'of no known codec'}, not H.264`);
    this.name = 'UnsupportedCodec';
  }
}

export interface KeyframeTimes {
  /** ms from the connection to the DESCRIBE answer, to PLAY's answer, to the keyframe. */
  describedMs: number;
  playingMs: number;
  keyframeMs: number;
}

export function readKeyframe(url: string, timeoutMs: number): Promise<{ annexB: Buffer; times: KeyframeTimes }> {
  const u = new URL(url);
  const auth = u.username ? `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}` : undefined;
  u.username = '';
  u.password = '';
  const target = u.toString();
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const times: Partial<KeyframeTimes> = {};
    const sock = connect({ host: u.hostname, port: Number(u.port || 554) });
    sock.setNoDelay(true);
    let buf: Buffer = Buffer.alloc(0);
    let cseq = 0;
    let step: 'DESCRIBE' | 'SETUP' | 'PLAY' | 'MEDIA' = 'DESCRIBE';
    let session = '';
    let assembler: KeyframeAssembler | undefined;
    let payloadType = -1;
    let settled = false;
    const done = (err: Error | undefined, annexB?: Buffer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve({ annexB: annexB!, times: times as KeyframeTimes });
    };
    const timer = setTimeout(() => done(new Error(`no keyframe within ${timeoutMs} ms (at ${step})`)), timeoutMs);
    const send = (method: string, to: string, headers: string[] = []) => {
      cseq++;
      const all = [`CSeq: ${cseq}`, ...headers, ...(auth ? [`Authorization: ${auth}`] : []), 'User-Agent: camera-service'];
      sock.write(`${method} ${to} RTSP/1.0\r\n${all.map((h) => `${h}\r\n`).join('')}\r\n`);
    };
    const onResponse = (r: RtspResponse) => {
      if (r.status !== 200) return done(new Error(`${step} answered ${r.status} ${r.reason}`));
      if (step === 'DESCRIBE') {
        times.describedMs = performance.now() - t0;
        const track = sdpVideoTrack(r.body, r.headers['content-base'] ?? target);
        if (!track) return done(new Error('no video track in the SDP'));
        if (track.codec !== 'H264') return done(new UnsupportedCodec(track.codec));
        assembler = new KeyframeAssembler(track.parameterSets);
        payloadType = track.payloadType;
        step = 'SETUP';
        send('SETUP', track.control, ['Transport: RTP/AVP/TCP;unicast;interleaved=0-1']);
      } else if (step === 'SETUP') {
        session = (r.headers['session'] ?? '').split(';')[0]!.trim();
        step = 'PLAY';
        send('PLAY', target, [`Session: ${session}`, 'Range: npt=0.000-']);
      } else if (step === 'PLAY') {
        times.playingMs = performance.now() - t0;
        step = 'MEDIA';
      }
    };
    sock.on('connect', () => send('DESCRIBE', target, ['Accept: application/sdp']));
    sock.on('error', (err) => done(err));
    sock.on('close', () => done(new Error(`connection closed at ${step}`)));
    sock.on('data', (chunk: Buffer) => {
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
          const rtp = channel === 0 && assembler ? parseRtp(packet) : undefined;
          if (!rtp || rtp.payloadType !== payloadType) continue;
          const annexB = assembler!.push(rtp);
          if (annexB) {
            times.keyframeMs = performance.now() - t0;
            return done(undefined, annexB);
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
