/**
 * A minimal RTSP reader for the bench: DESCRIBE, SETUP of the first video track (RTP
 * interleaved over the same TCP connection), PLAY, and the arrival time of the first RTP
 * packet of that track. It times what a player waits for, without a decoder's analysis
 * (ffprobe reads seconds of stream before it answers).
 */
import { playRtsp } from '../../src/external/rtsp-play.js';

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
  const t: { describe?: number; described?: number; play?: number } = {};
  return playRtsp({
    url: withCredentials,
    timeoutMs,
    userAgent: 'camera-service-bench',
    pickTrack: (sdp, base) => videoControlUrl(sdp, base) ?? new Error('no video track in the SDP'),
    onStep(event, step, at) {
      if (event === 'sent' && step === 'DESCRIBE') t.describe = at;
      else if (event === 'answered' && step === 'DESCRIBE') t.described = at;
      else if (event === 'sent' && step === 'PLAY') t.play = at;
    },
    onPacket: (_packet, at) => ({ describeMs: t.described! - t.describe!, playToPacketMs: at - t.play!, totalMs: at - t.describe! }),
  });
}
