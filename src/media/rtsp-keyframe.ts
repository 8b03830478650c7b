/**
 * Reads one keyframe of a MediaMTX path over RTSP (DESCRIBE, SETUP of the video track with
 * RTP interleaved on the same TCP connection, PLAY) and hangs up: the first whole H.264 IDR
 * access unit, in Annex-B form (see h264-keyframe.ts). On an on-demand path MediaMTX holds
 * the DESCRIBE until the publisher is ready, so a reader that asks while the stream starts
 * gets the publisher's first picture, which is a keyframe. Credentials in the URL go as
 * HTTP Basic. Only H.264 is read: another codec rejects with `UnsupportedCodec`.
 */
import { playRtsp } from '../external/rtsp-play.js';
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
  const t0 = performance.now();
  const times: Partial<KeyframeTimes> = {};
  let assembler: KeyframeAssembler | undefined;
  let payloadType = -1;
  return playRtsp({
    url,
    timeoutMs,
    userAgent: 'camera-service',
    pickTrack(sdp, base) {
      const track = sdpVideoTrack(sdp, base);
      if (!track) return new Error('no video track in the SDP');
      if (track.codec !== 'H264') return new UnsupportedCodec(track.codec);
      assembler = new KeyframeAssembler(track.parameterSets);
      payloadType = track.payloadType;
      return track.control;
    },
    onStep(event, step, at) {
      if (event !== 'answered') return;
      if (step === 'DESCRIBE') times.describedMs = at - t0;
      else if (step === 'PLAY') times.playingMs = at - t0;
    },
    onPacket(packet, at) {
      const rtp = parseRtp(packet);
      if (!rtp || rtp.payloadType !== payloadType) return undefined;
      const annexB = assembler!.push(rtp);
      if (!annexB) return undefined;
      times.keyframeMs = at - t0;
      return { annexB, times: times as KeyframeTimes };
    },
  });
}
