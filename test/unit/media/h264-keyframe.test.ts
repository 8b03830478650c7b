import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { KeyframeAssembler, parseRtp, sdpVideoTrack, type RtpPacket } from '../../../src/media/h264-keyframe.js';

/** Real x264 output: 4 frames of 64x48, a keyframe every 2, as NAL units per frame. */
function frames(): Buffer[][] {
  const es = execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=5', '-frames:v', '4', '-c:v', 'libx264', '-g', '2', '-bf', '0', '-x264-params', 'aud=1', '-f', 'h264', '-']);
  const nals: Buffer[] = [];
  let start = -1;
  for (let i = 0; i + 3 <= es.length; i++) {
    if (es[i] === 0 && es[i + 1] === 0 && es[i + 2] === 1) {
      if (start >= 0) nals.push(trimZeros(es.subarray(start, i)));
      start = i + 3;
      i += 2;
    }
  }
  nals.push(es.subarray(start));
  // Access units start at each AUD (type 9).
  const out: Buffer[][] = [];
  for (const n of nals) {
    if ((n[0]! & 0x1f) === 9) out.push([]);
    else out.at(-1)!.push(n);
  }
  return out;
}
const trimZeros = (b: Buffer) => {
  let end = b.length;
  while (end > 0 && b[end - 1] === 0) end--;
  return b.subarray(0, end);
};

/** RTP payloads of one access unit: parameter sets in a STAP-A, slices as FU-A of `mtu` bytes. */
function packetize(unit: Buffer[], ts: number, seq: { n: number }, mtu = 20): RtpPacket[] {
  const out: RtpPacket[] = [];
  const ps = unit.filter((n) => [7, 8].includes(n[0]! & 0x1f));
  const rest = unit.filter((n) => ![7, 8].includes(n[0]! & 0x1f));
  if (ps.length) out.push({ payloadType: 96, marker: false, sequence: seq.n++ & 0xffff, timestamp: ts, payload: Buffer.concat([Buffer.from([24]), ...ps.flatMap((n) => [Buffer.from([n.length >> 8, n.length & 0xff]), n])]) });
  for (const n of rest) {
    const body = n.subarray(1);
    for (let i = 0; i < body.length; i += mtu) {
      const fuHeader = (i === 0 ? 0x80 : 0) | (i + mtu >= body.length ? 0x40 : 0) | (n[0]! & 0x1f);
      out.push({ payloadType: 96, marker: false, sequence: seq.n++ & 0xffff, timestamp: ts, payload: Buffer.concat([Buffer.from([(n[0]! & 0xe0) | 28, fuHeader]), body.subarray(i, i + mtu)]) });
    }
  }
  out.at(-1)!.marker = true;
  return out;
}

const decodesTo64x48 = (annexB: Buffer) =>
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'h264', '-i', 'pipe:0', '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], { input: annexB }).length === 64 * 48;

describe('H.264 keyframe from RTP', () => {
  it('assembles the first keyframe (STAP-A parameter sets, FU-A slices) into an Annex-B picture FFmpeg decodes', () => {
    const seq = { n: 65530 }; // wraps around
    const packets = frames().flatMap((u, i) => packetize(u, 1000 + i * 3000, seq));
    const a = new KeyframeAssembler();
    const got = packets.map((p) => a.push(p)).filter((x) => x !== undefined);
    assert.ok(got.length >= 1);
    assert.ok(decodesTo64x48(got[0]!));
  });

  it('skips a keyframe with a lost packet, and one joined in the middle, and uses the next', () => {
    const units = frames();
    const seq = { n: 0 };
    const first = packetize(units[0]!, 0, seq);
    const second = packetize(units[1]!, 3000, seq);
    const third = packetize(units[2]!, 6000, seq);
    const a = new KeyframeAssembler();
    // Lost one packet of the first keyframe.
    for (const p of first.filter((_p, i) => i !== 2)) assert.equal(a.push(p), undefined);
    for (const p of second) assert.equal(a.push(p), undefined, 'not a keyframe');
    const got = third.map((p) => a.push(p)).find((x) => x !== undefined);
    assert.ok(got && decodesTo64x48(got));
    // Joined after the first fragment: nothing usable from that picture.
    const b = new KeyframeAssembler();
    for (const p of first.slice(3)) assert.equal(b.push(p), undefined);
  });

  it('takes parameter sets from the SDP, and parses RTP packets and the SDP video track', () => {
    const units = frames();
    const sps = units[0]!.find((n) => (n[0]! & 0x1f) === 7)!;
    const pps = units[0]!.find((n) => (n[0]! & 0x1f) === 8)!;
    const slices = units[0]!.filter((n) => ![7, 8].includes(n[0]! & 0x1f));
    const sdp = ['v=0', 'm=audio 0 RTP/AVP 97', 'a=control:trackID=1', 'm=video 0 RTP/AVP 96', 'a=control:trackID=0', 'a=rtpmap:96 H264/90000', `a=fmtp:96 packetization-mode=1; sprop-parameter-sets=${sps.toString('base64')},${pps.toString('base64')}; profile-level-id=64000A`, ''].join('\r\n');
    const track = sdpVideoTrack(sdp, 'rtsp://127.0.0.1:8554/camera0/');
    assert.deepEqual({ ...track, parameterSets: track!.parameterSets.length }, { control: 'rtsp://127.0.0.1:8554/camera0/trackID=0', codec: 'H264', payloadType: 96, parameterSets: 2 });
    const a = new KeyframeAssembler(track!.parameterSets);
    const got = packetize(slices, 0, { n: 7 }).map((p) => a.push(p)).find((x) => x !== undefined);
    assert.ok(got && decodesTo64x48(got));
    const raw = Buffer.from([0x80, 0xe0, 0x00, 0x07, 0, 0, 0, 9, 1, 2, 3, 4, 0xaa, 0xbb]);
    assert.deepEqual(parseRtp(raw), { payloadType: 96, marker: true, sequence: 7, timestamp: 9, payload: Buffer.from([0xaa, 0xbb]) });
    assert.equal(parseRtp(Buffer.from([0x40, 0, 0, 0])), undefined);
    assert.equal(sdpVideoTrack('v=0\r\nm=audio 0 RTP/AVP 0\r\n', 'rtsp://x/'), undefined);
  });
});
