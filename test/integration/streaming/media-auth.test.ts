/**
 * Media authentication with the real service, MediaMTX and FFmpeg: who may read a camera over
 * RTSP, HLS and WebRTC (WHEP), who may publish into its path, who may use MediaMTX's API; and
 * `media_auth: none`.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mintToken } from '../../../src/api/auth/jwt.js';
import type { Role } from '../../../src/api/auth/roles.js';
import { ApiKeyStore } from '../../../src/api/auth/key-store.js';
import { runFfmpegOnce } from '../../../src/streaming/ffmpeg/one-shot.js';
import { ffprobe } from '../../helpers/ffmpeg.js';
import { freePorts } from '../../helpers/ports.js';
import { processesMatching, SECRET, startService, until, type RunningService } from '../../helpers/service.js';

/** The status code of an RTSP DESCRIBE (with an Authorization header when given). */
function rtspDescribe(port: number, path: string, authorization?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let text = '';
    s.setTimeout(15_000, () => (s.destroy(), reject(new Error('RTSP DESCRIBE timed out'))));
    s.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      const m = /^RTSP\/1\.0 (\d{3})/.exec(text);
      if (m && text.includes('\r\n\r\n')) (s.destroy(), resolve(Number(m[1])));
    });
    s.on('error', reject);
    const auth = authorization ? `Authorization: ${authorization}\r\n` : '';
    s.write(`DESCRIBE rtsp://127.0.0.1:${port}/${path} RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\n${auth}\r\n`);
  });
}

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

/** A WHEP offer a WebRTC reader would send: receive one H.264 video track. */
function whepOffer(): string {
  const fingerprint = Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, '0').toUpperCase()).join(':');
  const h264 = ['42e01f', '4d001f', '64001f'].flatMap((p, i) => [`a=rtpmap:${96 + i} H264/90000`, `a=fmtp:${96 + i} level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=${p}`]);
  return [
    'v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0',
    'm=video 9 UDP/TLS/RTP/SAVPF 96 97 98', 'c=IN IP4 0.0.0.0', 'a=mid:0', 'a=recvonly', 'a=rtcp-mux',
    'a=ice-ufrag:mediaauthtest', 'a=ice-pwd:mediaauthtestpassword0123', `a=fingerprint:sha-256 ${fingerprint}`, 'a=setup:actpass',
    ...h264, '',
  ].join('\r\n');
}

describe('media authentication (media_auth: token, the default)', { timeout: 240_000 }, () => {
  let svc: RunningService;
  let hls: number;
  let webrtc: number;
  let viewer: string;
  const rtsp = (path = 'camera0') => `rtsp://127.0.0.1:${svc.rtspPort}/${path}`;
  const whep = (headers: Record<string, string> = {}, query = '') =>
    fetch(`http://127.0.0.1:${webrtc}/camera0/whep${query}`, { method: 'POST', headers: { 'content-type': 'application/sdp', ...headers }, body: whepOffer() });
  const playlist = (headers: Record<string, string> = {}, query = '') => fetch(`http://127.0.0.1:${hls}/camera0/index.m3u8${query}`, { headers });

  /** Resolves once the daemon has read a key created in its store (it watches the file). */
  const keyKnown = (key: string) => until(async () => (await rtspDescribe(svc.rtspPort, 'camera0', basic('any', key))) === 200, 10_000, 'the new API key accepted');

  before(async () => {
    let udp: number;
    [hls, webrtc, udp] = (await freePorts(3)) as [number, number, number];
    svc = await startService({
      mediamtx: { hls_port: hls, webrtc_port: webrtc, webrtc_udp_port: udp },
      test_cameras: { patterns: [{ name: 'a', width: 320, height: 240, fps: 15 }] },
    });
    viewer = await svc.token('viewer');
  });
  after(async () => {
    await svc?.stop();
  });

  it('RTSP: no credentials get 401; a viewer JWT as password or ?token= and an API key as password read the stream', async () => {
    assert.equal(await rtspDescribe(svc.rtspPort, 'camera0'), 401);
    await assert.rejects(ffprobe(rtsp()), /401/);
    // A JWT as the RTSP password (FFmpeg keeps 127 characters of URL credentials: JWTs go in ?token= there).
    assert.equal(await rtspDescribe(svc.rtspPort, 'camera0', basic('any', viewer)), 200);
    assert.equal((await ffprobe(`${rtsp()}?token=${viewer}`)).codec_name, 'h264');
    const { key } = await ApiKeyStore.inStateDir(join(svc.dir, 'state')).load().create({ role: 'viewer', label: 'rtsp reader' });
    await keyKnown(key);
    assert.equal((await ffprobe(`rtsp://any:${key}@127.0.0.1:${svc.rtspPort}/camera0`)).codec_name, 'h264');
  });

  it('HLS: no credentials get 401; Authorization: Bearer and ?token= get the playlist', async () => {
    assert.equal((await playlist()).status, 401);
    const bearer = await playlist({ authorization: `Bearer ${viewer}` });
    assert.equal(bearer.status, 200);
    assert.match(await bearer.text(), /^#EXTM3U/);
    const query = await playlist({}, `?token=${encodeURIComponent(viewer)}`);
    assert.equal(query.status, 200);
    assert.match(await query.text(), /^#EXTM3U/);
  });

  it('WebRTC: a WHEP offer without credentials gets 401; with a viewer Bearer token 201 and an answer', async () => {
    const refused = await whep();
    assert.equal(refused.status, 401);
    await refused.text();
    const ok = await whep({ authorization: `Bearer ${viewer}` });
    assert.equal(ok.status, 201);
    assert.match(await ok.text(), /^v=0/);
    const session = new URL(ok.headers.get('location')!, `http://127.0.0.1:${webrtc}`);
    await (await fetch(session, { method: 'DELETE', headers: { authorization: `Bearer ${viewer}` } })).text();
  });

  it('refused: a wrong-secret, expired or role-less JWT, a malformed token, a revoked API key, and the service\'s names with guessed passwords', async () => {
    const forged = await mintToken('another-secret-0123456789-0123456789', { role: 'admin', user_id: 'x' }, 3600);
    const expired = await mintToken(SECRET, { role: 'viewer', user_id: 'x' }, -60);
    const roleless = await mintToken(SECRET, { role: 'guest' as Role, user_id: 'x' }, 3600);
    // MediaMTX holds every refused request for a fixed pause (2 s) before answering: the attempts go at once.
    const refused = async (label: string, status: Promise<number>) => assert.equal(await status, 401, label);
    const text = async (r: Promise<Response>) => {
      const res = await r;
      await res.text();
      return res.status;
    };
    await Promise.all([
      ...[forged, expired, roleless, 'not-a-token'].flatMap((bad) => [
        refused(`RTSP ${bad}`, rtspDescribe(svc.rtspPort, 'camera0', basic('any', bad))),
        refused(`HLS ${bad}`, text(playlist({ authorization: `Bearer ${bad}` }))),
        refused(`WHEP ${bad}`, text(whep({ authorization: `Bearer ${bad}` }))),
      ]),
      ...['camera-service-reader', 'publisher', 'camera-service'].map((user) => refused(user, rtspDescribe(svc.rtspPort, 'camera0', basic(user, 'guess')))),
    ]);

    const store = ApiKeyStore.inStateDir(join(svc.dir, 'state')).load();
    const { key, info } = await store.create({ role: 'viewer', label: 'to revoke' });
    await keyKnown(key);
    assert.equal((await playlist({ authorization: `Bearer ${key}` })).status, 200);
    assert.ok(store.revoke(info.id));
    // The daemon sees the store change through its watch; from then on the key reads nothing.
    await until(async () => (await rtspDescribe(svc.rtspPort, 'camera0', basic('any', key))) === 401, 10_000, 'the revoked key refused');
    assert.equal((await playlist({ authorization: `Bearer ${key}` })).status, 401);
  });

  it('publishing into a camera path is refused to anyone but the service, whose stream keeps playing', async () => {
    const { key } = await ApiKeyStore.inStateDir(join(svc.dir, 'state')).load().create({ role: 'admin', label: 'not a publisher' });
    await keyKnown(key);
    // Each refusal comes after MediaMTX's pause: the four publishers try at once.
    const targets = [rtsp(), `${rtsp()}?token=${viewer}`, `rtsp://any:${key}@127.0.0.1:${svc.rtspPort}/camera0`, `rtsp://publisher:guess@127.0.0.1:${svc.rtspPort}/camera0`];
    const results = await Promise.all(
      targets.map((target) =>
        runFfmpegOnce(
          ['ffmpeg', '-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=10', '-t', '3', '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'rtsp', '-rtsp_transport', 'tcp', target],
          { timeoutMs: 15_000 },
        ),
      ),
    );
    results.forEach((r, i) => {
      assert.equal(r.ok, false, targets[i]);
      assert.match(r.stderr.join('\n'), /401|Unauthorized/, targets[i]);
    });
    const c = await svc.client('operator');
    await c.call('start_streaming', { device: 'camera0' });
    assert.deepEqual(await ffprobe(`${rtsp()}?token=${viewer}`), { codec_name: 'h264', width: 320, height: 240 });
    await c.close();
  });

  it('the MediaMTX API answers 401 without the service\'s credentials and 200 with them', async () => {
    assert.equal((await fetch(`${svc.mediamtxApiUrl}/v3/paths/list`)).status, 401);
    assert.equal((await fetch(`${svc.mediamtxApiUrl}/v3/paths/list`, { headers: { authorization: `Bearer ${await svc.token('admin')}` } })).status, 401);
    assert.equal((await fetch(`${svc.mediamtxApiUrl}/v3/paths/list`, { headers: svc.mediamtxHeaders })).status, 200);
  });

  it('the hook answers only MediaMTX: without its per-run secret 403, whatever the body', async () => {
    const address = /authHTTPAddress: (\S+)/.exec(readFileSync(join(svc.dir, 'state', 'mediamtx.yml'), 'utf8'))![1]!;
    const u = new URL(address);
    assert.equal(u.hostname, '127.0.0.1');
    const target = `http://127.0.0.1:${u.port}${u.pathname}`;
    const body = JSON.stringify({ ip: '127.0.0.1', user: 'publisher', password: 'x', token: '', action: 'publish', path: 'camera0', protocol: 'rtsp', query: '' });
    for (const authorization of [undefined, basic('mediamtx', 'guess'), basic(decodeURIComponent(u.username), `${decodeURIComponent(u.password)}x`), `Bearer ${viewer}`]) {
      const r = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body });
      assert.equal(r.status, 403, String(authorization));
      await r.text();
    }
    // With the secret, the decision itself: a publish with a wrong password is refused.
    const r = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic(decodeURIComponent(u.username), decodeURIComponent(u.password)) }, body });
    assert.equal(r.status, 401);
    await r.text();
  });

  it('the service\'s own readers (snapshot, recording) work, and no log line or stream reply carries a credential', async () => {
    const c = await svc.client('admin');
    const snap = (await c.call('take_snapshot', { device: 'camera0' })) as { status: string };
    assert.equal(snap.status, 'SUCCESS');
    const rec = await c.call('start_recording', { device: 'camera0' });
    assert.equal(rec.status, 'RECORDING');
    // The recorder reads with the service's per-run reader credentials (seen in its command line only).
    const [recorder] = processesMatching('ffmpeg', `camera-service-reader:`, `:${svc.rtspPort}/camera0`);
    assert.ok(recorder, 'a recorder reading with the reader credentials');
    const readerPass = /camera-service-reader:([^@\s]+)@/.exec(readFileSync(`/proc/${recorder}/cmdline`, 'utf8').replace(/\0/g, ' '))![1]!;
    assert.equal((await c.call('stop_recording', { device: 'camera0' })).status, 'STOPPED');
    // An admin sees the most (the publisher's argv, credentials redacted).
    const replies = JSON.stringify([rec, await c.call('get_stream_status', { device: 'camera0' }), await c.call('get_streams'), await c.call('start_streaming', { device: 'camera0' })]);
    await c.close();
    const text = JSON.stringify(svc.logs) + replies;
    const state = join(svc.dir, 'state', 'mediamtx.yml');
    const secrets = [readerPass, ...[...readFileSync(state, 'utf8').matchAll(/pass: (\S+)|\/\/mediamtx:([^@]+)@/g)].map((m) => m[1] ?? m[2]!).filter((s) => s.length > 8)];
    assert.ok(secrets.length >= 4, 'the reader password and the per-run secrets of the MediaMTX config');
    for (const s of [...secrets, viewer]) assert.ok(!text.includes(s), 'a secret appears in the logs or a reply');
  });
});

describe('media_auth: none', { timeout: 120_000 }, () => {
  it('anyone reads without credentials, and the service warns about it at start', async () => {
    const svc = await startService({ mediamtx: { media_auth: 'none' }, test_cameras: { patterns: [{ name: 'a', width: 320, height: 240, fps: 15 }] } });
    try {
      const warning = await svc.waitForLog((l) => l.level === 40 && /media_auth is none/.test(l.msg));
      assert.match(warning.msg, /without credentials/);
      assert.equal((await ffprobe(`rtsp://127.0.0.1:${svc.rtspPort}/camera0`)).codec_name, 'h264');
      // Publishing stays the service's.
      const r = await runFfmpegOnce(
        ['ffmpeg', '-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=10', '-t', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'rtsp', '-rtsp_transport', 'tcp', `rtsp://127.0.0.1:${svc.rtspPort}/camera0`],
        { timeoutMs: 15_000 },
      );
      assert.equal(r.ok, false);
    } finally {
      await svc.stop();
    }
  });
});
