/**
 * server.tls_cert_file / tls_key_file with a self-signed certificate made at test time: wss://
 * and https:// on the API port (plain ws/http refused there), RTSPS, HTTPS HLS and WebRTC
 * signalling from the managed MediaMTX with the same certificate (the presented fingerprint is
 * the configured one), the stream URLs clients are given, an on-demand reader that goes through
 * the loopback internal listener, a snapshot (loopback plain RTSP reader) fetched by its signed
 * download_url over https, the CLI with --ca, and the start-up checks (exit 2 naming the key).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import tls, { type TLSSocket } from 'node:tls';
import { stringify } from 'yaml';
import { CameraServiceClient } from '../../../src/client/index.js';
import { WebSocket } from '../../../src/lib/deps/ws.js';
import { freePorts } from '../../helpers/ports.js';
import { MAIN, ROOT, SECRET, startService, type RunningService } from '../../helpers/service.js';

const CTL = join(ROOT, 'dist', 'src', 'cli', 'ctl.js');

/** A self-signed certificate for localhost / 127.0.0.1 and its key, written to `dir`. */
function makeCert(dir: string, name: string): { cert: string; key: string; fingerprint: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return { cert, key, fingerprint: new X509Certificate(readFileSync(cert)).fingerprint256 };
}

interface Got {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  fingerprint: string;
}

function httpsRequest(url: string, ca: Buffer, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: opts.method ?? 'GET', headers: opts.headers, ca, agent: false }, (res) => {
      const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, fingerprint }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** One RTSP request over TLS: the status line, the SDP body and the server's certificate fingerprint. */
function rtspsDescribe(port: number, path: string, ca: Buffer, token: string): Promise<{ status: string; body: string; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      sock.write(`DESCRIBE rtsps://127.0.0.1:${port}/${path} RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\nAuthorization: Basic ${Buffer.from(`viewer:${token}`).toString('base64')}\r\n\r\n`);
    });
    let text = '';
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      text += d;
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/content-length:\s*(\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
      if (text.length - end - 4 < length) return;
      const fingerprint = sock.getPeerCertificate().fingerprint256;
      sock.end();
      resolve({ status: text.slice(0, text.indexOf('\r\n')), body: text.slice(end + 4), fingerprint });
    });
    sock.on('error', reject);
  });
}

/** A plain (non-TLS) HTTP request: resolves with the status it got, or the error that ended it. */
function plainHttp(port: number, path: string): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      resolve(`HTTP ${res.statusCode}`);
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

describe('TLS (server.tls_cert_file / tls_key_file)', () => {
  let dir: string;
  let pair: ReturnType<typeof makeCert>;
  let ca: Buffer;
  let svc: RunningService;
  let ports: { rtsps: number; hls: number; webrtc: number; udp: number };
  let wss: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'camera-service-tls-'));
    pair = makeCert(dir, 'server');
    ca = readFileSync(pair.cert);
    const [rtsps, hls, webrtc, udp] = (await freePorts(4)) as [number, number, number, number];
    ports = { rtsps, hls, webrtc, udp };
    svc = await startService({
      server: { tls_cert_file: pair.cert, tls_key_file: pair.key, public_host: '127.0.0.1' },
      mediamtx: { rtsps_port: rtsps, hls_port: hls, webrtc_port: webrtc, webrtc_udp_port: udp },
      test_cameras: { patterns: [{ name: 'tls', width: 160, height: 120, fps: 5 }] },
      storage: { min_free_bytes: 0 },
    });
    wss = `wss://127.0.0.1:${svc.port}/ws`;
  });
  after(async () => {
    await svc?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('wss://: connect with the certificate as CA, authenticate, ping; the log names the fingerprint', async () => {
    const c = await CameraServiceClient.connect(wss, { ca });
    try {
      const auth = (await c.authenticate(await svc.token('viewer'))) as { role: string };
      assert.equal(auth.role, 'viewer');
      assert.equal(await c.call('ping', {}), 'pong');
    } finally {
      c.close();
    }
    const ready = await svc.waitForLog((l) => l.msg === 'service ready');
    assert.equal(ready.fingerprint256, pair.fingerprint.replace(/:/g, '').toLowerCase());
    // Without the CA the self-signed certificate is refused by the client.
    await assert.rejects(CameraServiceClient.connect(wss, { timeoutMs: 5000 }), /self-signed|certificate/i);
  });

  it('https://: the console page and /openrpc.json, with the configured certificate', async () => {
    const page = await httpsRequest(`https://127.0.0.1:${svc.port}/console/`, ca);
    assert.equal(page.status, 200);
    assert.match(page.body, /<html/i);
    assert.equal(page.fingerprint, pair.fingerprint);
    const doc = await httpsRequest(`https://127.0.0.1:${svc.port}/openrpc.json`, ca);
    assert.equal(doc.status, 200);
    assert.equal((JSON.parse(doc.body) as { openrpc: string }).openrpc.split('.')[0], '1');
    // The /internal/ routes live on the loopback plain listener only, not on the TLS port.
    const internal = await httpsRequest(`https://127.0.0.1:${svc.port}/internal/demand/camera0`, ca, { headers: { 'x-demand-token': 'x' } });
    assert.equal(internal.status, 404);
  });

  it('plain http:// and ws:// on the TLS port are refused (no response, no upgrade)', async () => {
    const plain = await plainHttp(svc.port, '/openrpc.json');
    assert.notEqual(plain, 'HTTP 200');
    assert.ok(!plain.startsWith('HTTP 2'), plain);
    const ws = new WebSocket(`ws://127.0.0.1:${svc.port}/ws`);
    const outcome = await new Promise<string>((resolve) => {
      ws.on('open', () => resolve('open'));
      ws.on('error', (err) => resolve(`error: ${err.message}`));
      ws.on('unexpected-response', (_req, res) => resolve(`HTTP ${res.statusCode}`));
    });
    ws.terminate();
    assert.match(outcome, /^error/);
  });

  it('stream URLs are rtsps:// and https:// on the configured ports', async () => {
    const c = await CameraServiceClient.connect(wss, { ca });
    try {
      await c.authenticate(await svc.token('viewer'));
      const list = (await c.call('get_camera_list', {})) as { cameras: { device: string; streams: Record<string, string> }[] };
      assert.deepEqual(list.cameras[0]!.streams, {
        rtsp: `rtsps://127.0.0.1:${ports.rtsps}/camera0`,
        hls: `https://127.0.0.1:${ports.hls}/camera0/index.m3u8`,
        webrtc: `https://127.0.0.1:${ports.webrtc}/camera0/whep`,
      });
      const url = (await c.call('get_stream_url', { device: 'camera0' })) as { stream_url: string };
      assert.equal(url.stream_url, `rtsps://127.0.0.1:${ports.rtsps}/camera0`);
    } finally {
      c.close();
    }
  });

  it('RTSPS: an on-demand reader starts the publisher through the loopback internal listener; same certificate', async () => {
    const r = await rtspsDescribe(ports.rtsps, 'camera0', ca, svc.mediaToken);
    assert.equal(r.status, 'RTSP/1.0 200 OK', r.body);
    assert.match(r.body, /m=video .*\r\n/);
    assert.equal(r.fingerprint, pair.fingerprint);
    // ffprobe reads the stream over RTSPS (FFmpeg does not verify the certificate by default).
    const probe = spawnSync('ffprobe', ['-v', 'error', '-rtsp_transport', 'tcp', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height', '-of', 'csv=p=0',
      `rtsps://127.0.0.1:${ports.rtsps}/camera0?token=${svc.mediaToken}`], { encoding: 'utf8', timeout: 20000 });
    assert.equal(probe.status, 0, probe.stderr);
    assert.equal(probe.stdout.trim(), 'h264,160,120');
  });

  it('HTTPS HLS playlist and WebRTC signalling (WHEP) from MediaMTX with the same certificate', async () => {
    // Over HTTPS MediaMTX first sets a session cookie and redirects (as a browser player follows it).
    const bearer = { authorization: `Bearer ${svc.mediaToken}` };
    const first = await httpsRequest(`https://127.0.0.1:${ports.hls}/camera0/index.m3u8`, ca, { headers: bearer });
    assert.equal(first.status, 302, first.body);
    assert.equal(first.fingerprint, pair.fingerprint);
    const cookie = (first.headers['set-cookie'] ?? []).map((c) => c.split(';', 1)[0]!).join('; ');
    const playlist = await httpsRequest(new URL(String(first.headers.location), `https://127.0.0.1:${ports.hls}`).href, ca, { headers: { cookie, ...bearer } });
    assert.equal(playlist.status, 200, playlist.body);
    assert.match(playlist.body, /^#EXTM3U/);
    assert.equal(playlist.fingerprint, pair.fingerprint);
    // A WHEP preflight and a malformed offer: answered over HTTPS by MediaMTX's WebRTC server.
    const preflight = await httpsRequest(`https://127.0.0.1:${ports.webrtc}/camera0/whep`, ca, { method: 'OPTIONS', headers: { origin: 'https://example.test', 'access-control-request-method': 'POST' } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.fingerprint, pair.fingerprint);
    const offer = await httpsRequest(`https://127.0.0.1:${ports.webrtc}/camera0/whep`, ca, { method: 'POST', headers: { 'content-type': 'application/sdp', ...bearer }, body: 'v=0\r\n' });
    assert.equal(offer.status, 400, 'the offer reached the WHEP handler (and was refused as SDP)');
  });

  it('snapshots read the stream over loopback plain RTSP; the signed download_url opens over https without a header', async () => {
    const c = await CameraServiceClient.connect(wss, { ca });
    try {
      await c.authenticate(await svc.token('operator'));
      const snap = await c.call('take_snapshot', { device: 'camera0' });
      assert.equal(snap.status, 'SUCCESS');
      const file = await httpsRequest(`https://127.0.0.1:${svc.port}${snap.download_url}`, ca);
      assert.deepEqual([file.status, file.headers['content-type'], Number(file.headers['content-length'])], [200, 'image/jpeg', snap.file_size]);
      assert.equal(file.fingerprint, pair.fingerprint);
    } finally {
      c.close();
    }
  });

  it('camera-service-ctl --url wss://… --ca FILE works; without --ca the certificate is refused', async () => {
    const token = await svc.token('viewer');
    const ok = spawnSync(process.execPath, [CTL, '--url', wss, '--ca', pair.cert, '--token', token, 'cameras', '--json'], { encoding: 'utf8', timeout: 30000 });
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal((JSON.parse(ok.stdout) as { cameras: { device: string }[] }).cameras[0]!.device, 'camera0');
    const refused = spawnSync(process.execPath, [CTL, '--url', wss, '--token', token, 'cameras'], { encoding: 'utf8', timeout: 30000 });
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /self-signed|certificate/i);
  });
});

describe('TLS configuration checks (exit 2 naming the key)', () => {
  const check = (dir: string, server: Record<string, string>) => {
    const file = join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, stringify({ security: { jwt_secret: SECRET }, server, storage: { state_path: join(dir, 'state'), recordings_path: join(dir, 'rec'), snapshots_path: join(dir, 'snap') } }));
    return spawnSync(process.execPath, [MAIN, 'check-config', '--config', file], { encoding: 'utf8' });
  };

  it('unreadable, half-set, not a certificate, or a key of another certificate: refused', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'camera-service-tls-check-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const a = makeCert(dir, 'a');
    const b = makeCert(dir, 'b');
    writeFileSync(join(dir, 'junk.pem'), 'not a certificate\n');
    const cases: [Record<string, string>, RegExp][] = [
      [{ tls_cert_file: join(dir, 'missing.crt'), tls_key_file: a.key }, /server\.tls_cert_file: .*missing\.crt cannot be read \(ENOENT\)/],
      [{ tls_cert_file: a.cert, tls_key_file: join(dir, 'missing.key') }, /server\.tls_key_file: .*cannot be read \(ENOENT\)/],
      [{ tls_cert_file: a.cert }, /server\.tls_key_file: is required when server\.tls_cert_file is set/],
      [{ tls_key_file: a.key }, /server\.tls_cert_file: is required when server\.tls_key_file is set/],
      [{ tls_cert_file: join(dir, 'junk.pem'), tls_key_file: a.key }, /server\.tls_cert_file: .* is not a PEM certificate/],
      [{ tls_cert_file: a.cert, tls_key_file: join(dir, 'junk.pem') }, /server\.tls_key_file: .* is not an unencrypted PEM private key/],
      [{ tls_cert_file: a.cert, tls_key_file: b.key }, /server\.tls_key_file: .* is not the private key of the certificate in server\.tls_cert_file/],
    ];
    for (const [server, message] of cases) {
      const r = check(dir, server);
      assert.equal(r.status, 2, `${JSON.stringify(server)}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, message);
      assert.ok(!r.stderr.includes('PRIVATE KEY'), 'never prints key material');
    }
    const good = check(dir, { tls_cert_file: a.cert, tls_key_file: a.key });
    assert.equal(good.status, 0, good.stderr);
  });
});
