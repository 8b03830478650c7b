/** Start, readiness, shutdown and MediaMTX supervision of the real daemon. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CameraServiceClient } from '../../../src/client/index.js';
import { stringify } from 'yaml';
import { resolveMediaMtxBinary } from '../../../src/mediamtx/managed-server.js';
import { freePorts } from '../../helpers/ports.js';
import { MAIN, processesMatching, SECRET, startService, until } from '../../helpers/service.js';

describe('daemon lifecycle', () => {
  it('SIGTERM with 50 connected clients: exit 0 within 5 s, clients closed with 1001, no child left', async () => {
    const svc = await startService();
    const mediamtxConfig = join(svc.dir, 'state', 'mediamtx.yml');
    assert.equal(processesMatching(mediamtxConfig).length, 1, 'managed MediaMTX runs');
    const token = await svc.token('viewer');
    const clients = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const c = await CameraServiceClient.connect(svc.wsUrl);
        await c.authenticate(token);
        return c;
      }),
    );
    const closeCodes = Promise.all(clients.map((c) => new Promise<number>((resolve) => c.once('close', resolve))));
    const t0 = Date.now();
    const { code } = await svc.stop('SIGTERM');
    const elapsed = Date.now() - t0;
    assert.equal(code, 0);
    assert.ok(elapsed < 5000, `exit took ${elapsed} ms`);
    assert.deepEqual(new Set(await closeCodes), new Set([1001]));
    assert.deepEqual(processesMatching(mediamtxConfig), [], 'no MediaMTX left');
  });

  it('the managed MediaMTX API answers only the service (issue 15 defect 7): 401 without its credentials; its config file is private', async (t) => {
    const svc = await startService({ test_cameras: { patterns: [{ name: 'a', width: 320, height: 240, fps: 15 }] } });
    t.after(() => svc.stop());
    for (const path of ['/v3/config/paths/list', '/v3/paths/list', '/v3/config/global/get']) {
      assert.equal((await fetch(`${svc.mediamtxApiUrl}${path}`)).status, 401, path);
    }
    const listed = (await (await fetch(`${svc.mediamtxApiUrl}/v3/config/paths/list`, { headers: svc.mediamtxHeaders })).json()) as { items: { name: string }[] };
    assert.ok(listed.items.some((p) => p.name === 'camera0'), 'the service itself configures paths');
    assert.equal(statSync(join(svc.dir, 'state', 'mediamtx.yml')).mode & 0o077, 0, 'mediamtx.yml (it holds the API password) is readable by its owner only');
  });

  it('/health/ready turns 503 when MediaMTX is killed and 200 after the service restarts it', async (t) => {
    const svc = await startService();
    t.after(() => svc.stop());
    const mediamtxConfig = join(svc.dir, 'state', 'mediamtx.yml');
    const [pid] = processesMatching(mediamtxConfig);
    assert.ok(pid);
    const ready = async () => (await fetch(`${svc.httpUrl}/health/ready`)).status;
    assert.equal(await ready(), 200);
    process.kill(pid, 'SIGKILL');
    const down = await until(async () => (await ready()) === 503, 2000, '/health/ready 503');
    const body = (await (await fetch(`${svc.httpUrl}/health/ready`)).json()) as { reason: string };
    assert.match(body.reason, /MediaMTX/);
    await until(async () => (await ready()) === 200, 10000, '/health/ready 200 again');
    const [newPid] = processesMatching(mediamtxConfig);
    assert.ok(newPid && newPid !== pid, 'a new MediaMTX process runs');
    t.diagnostic(`503 after ${down} ms`);
  });

  it('kill -9 of the daemon: MediaMTX and the FFmpeg publishers end with it; a MediaMTX left by an earlier run is still ended at the next start', async (t) => {
    // Issue 15 defect 12: they used to run on unsupervised until the next start (the test asserted it).
    const first = await startService({ test_cameras: { patterns: [{ name: 'a', width: 320, height: 240, fps: 15 }] }, streaming: { default_mode: 'always_on' } }, { keep: true });
    t.after(() => rmSync(first.dir, { recursive: true, force: true }));
    const mediamtxConfig = join(first.dir, 'state', 'mediamtx.yml');
    const publishers = () => processesMatching(`:${first.rtspPort}/camera0`, 'ffmpeg');
    await until(() => processesMatching(mediamtxConfig).length === 1 && publishers().length === 1, 15000, 'MediaMTX and the publisher');
    await first.stop('SIGKILL');
    await until(() => processesMatching(mediamtxConfig).length === 0 && publishers().length === 0, 10000, 'MediaMTX and the publisher to end with the daemon');

    // Where the kernel could not tell them (no setpriv), the next start cleans up: simulate a leftover MediaMTX.
    const leftover = spawn(resolveMediaMtxBinary('', process.env), [mediamtxConfig], { stdio: 'ignore', detached: true });
    const leftoverGone = new Promise((resolve) => leftover.once('exit', resolve));
    t.after(async () => {
      if (leftover.exitCode === null && leftover.signalCode === null) leftover.kill('SIGKILL');
      await leftoverGone;
    });
    await until(() => processesMatching(mediamtxConfig).includes(leftover.pid!), 5000, 'the leftover MediaMTX');
    const second = await startService({}, { dir: first.dir, keep: true });
    t.after(() => second.stop());
    assert.ok(second.logs.some((l) => l.msg.startsWith('a MediaMTX left by an earlier run')));
    await leftoverGone;
    const now = processesMatching(mediamtxConfig);
    assert.equal(now.length, 1);
    assert.notEqual(now[0], leftover.pid);
    assert.equal((await fetch(`${second.httpUrl}/health/ready`)).status, 200);
  });

  it("V8's optimizing compilers stay off while the service idles and come on once it is busy: requests switch them on, logged once", async (t) => {
    // The per-connection request limits raised: the load comes from one client.
    const svc = await startService({ logging: { level: 'info' }, limits: { requests_per_second: 100000, request_burst: 100000 } });
    t.after(() => svc.stop());
    const line = (l: { msg: string }) => l.msg === "busy: V8's optimizing compilers switched on";
    const c = await svc.client('viewer');
    t.after(() => c.close());
    // Load until the service says so: rounds of 200 pings at once keep it busy.
    const switched = svc.waitForLog(line, 30000);
    let loading = true;
    void switched.finally(() => (loading = false)).catch(() => undefined);
    while (loading) await Promise.all(Array.from({ length: 200 }, () => c.call('ping')));
    const logged = await switched;
    assert.ok(Number(logged.cpu) >= 0.05, `logged with the load that decided it (share of a core): ${JSON.stringify(logged)}`);
    assert.equal(svc.logs.filter(line).length, 1);
  });

  it('an invalid configuration stops the daemon with exit code 2 and names each key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bad-config-'));
    const file = join(dir, 'c.yaml');
    writeFileSync(file, 'server:\n  port: 99999\nsecurity:\n  jwt_secret: short\n');
    const r = spawnSync(process.execPath, [MAIN, '--config', file], { encoding: 'utf8', env: { ...process.env, CAMERA_SERVICE_LOGGING_LEVEL: 'chatty' } });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /server\.port: must be <= 65535 \(got 99999\) \[rule maximum:65535\]/);
    assert.match(r.stderr, /security\.jwt_secret: must be at least 32 characters long \[rule minLength:32\]/);
    assert.match(r.stderr, /logging\.level: must be one of/);
    assert.ok(!r.stderr.includes('short'), 'the secret is not echoed');
  });

  it('another MediaMTX holds the API port: restarts back off, the port is reported once, not ready, the other MediaMTX is left alone; recovers when it goes', async (t) => {
    // Issue 15 defect 11: restarts every 500 ms forever, and health turned ready from the other MediaMTX.
    const dir = mkdtempSync(join(tmpdir(), 'foreign-mtx-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const [apiPort, rtspPort] = (await freePorts(2)) as [number, number];
    const foreignConfig = join(dir, 'foreign.yml');
    writeFileSync(
      foreignConfig,
      stringify({ logDestinations: ['stdout'], api: true, apiAddress: `127.0.0.1:${apiPort}`, rtspAddress: `127.0.0.1:${rtspPort}`, rtspTransports: ['tcp'], rtmp: false, hls: false, webrtc: false, srt: false, moq: false, paths: {} }),
    );
    const foreign = spawn(resolveMediaMtxBinary('', process.env), [foreignConfig], { stdio: 'ignore' });
    const foreignGone = new Promise((resolve) => foreign.once('exit', resolve));
    t.after(async () => {
      if (foreign.exitCode === null && foreign.signalCode === null) foreign.kill('SIGKILL');
      await foreignGone;
    });
    await until(async () => (await fetch(`http://127.0.0.1:${apiPort}/v3/info`).catch(() => undefined))?.ok === true, 10000, 'the foreign MediaMTX');

    // A short first delay (the default is 500 ms) keeps the four restarts to a second or two; the policy is the same.
    const svc = await startService({ mediamtx: { api_url: `http://127.0.0.1:${apiPort}`, restart_delay_ms: 100 }, test_cameras: { patterns: [{ name: 'a', width: 320, height: 240, fps: 15 }] } });
    t.after(() => svc.stop());
    const exits = () => svc.logs.filter((l) => l.msg === 'mediamtx exited; restarting');
    // The start does not wait for a MediaMTX whose port another process holds (it used to wait 15 s, through eight restarts).
    assert.ok(exits().length <= 2, `ready after the first busy port, not after ${exits().length} restarts`);
    assert.ok(svc.logs.some((l) => l.msg === 'MediaMTX is not up; continuing, /health/ready reports it' && /127\.0\.0\.1:\d+ is in use by another process/.test(String(l.err))));
    await until(() => exits().length >= 4, 20000, 'four restarts');
    const delays = exits().slice(0, 4).map((l) => l.restartInMs as number);
    for (let i = 1; i < delays.length; i++) assert.ok(delays[i]! > delays[i - 1]!, `restart delays grow: ${delays.join(', ')}`);
    const busy = svc.logs.filter((l) => l.level >= 50 && l.msg.startsWith('MediaMTX cannot listen on'));
    assert.equal(busy.length, 1, `reported once: ${busy.map((l) => l.msg).join(' | ')}`);
    assert.match(busy[0]!.msg, new RegExp(`127\\.0\\.0\\.1:${apiPort}: port ${apiPort} is in use`));
    const ready = await fetch(`${svc.httpUrl}/health/ready`);
    assert.equal(ready.status, 503);
    assert.match(((await ready.json()) as { reason: string }).reason, /not the one this service started/);
    const foreignPaths = (await (await fetch(`http://127.0.0.1:${apiPort}/v3/config/paths/list`)).json()) as { items: { name: string }[] };
    assert.deepEqual(foreignPaths.items.map((p) => p.name), [], 'the service configured no path on the other MediaMTX');

    foreign.kill('SIGTERM');
    await foreignGone;
    await until(async () => (await fetch(`${svc.httpUrl}/health/ready`)).status === 200, 40000, 'ready with its own MediaMTX');
  });

  it('a mediamtx combination MediaMTX would refuse (webrtc_udp_port: 0 with WebRTC on) stops the daemon with exit 2 naming the key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bad-mtx-config-'));
    const file = join(dir, 'c.yaml');
    writeFileSync(file, stringify({ security: { jwt_secret: SECRET }, mediamtx: { webrtc_udp_port: 0 }, storage: { state_path: join(dir, 'state') } }));
    const r = spawnSync(process.execPath, [MAIN, '--config', file], { encoding: 'utf8', timeout: 20000 });
    rmSync(dir, { recursive: true, force: true });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /mediamtx\.webrtc_udp_port: must not be 0 while mediamtx\.webrtc_port is on/);
  });

  it('corrupt state files do not stop the service: each is moved aside and named in one log line; a journal entry pointing outside deletes nothing', async (t) => {
    // Issue 15 defects 13 and 9.
    const dir = mkdtempSync(join(tmpdir(), 'corrupt-state-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const state = join(dir, 'state');
    mkdirSync(join(state, 'recordings'), { recursive: true });
    const corrupt: Record<string, string> = {
      'camera-ids.json': '{"version":1,"cameras":[{"id":"camera0","ident',
      'external-streams.json': 'null',
      'retention-policy.json': '{"policy_type":"forever"}',
    };
    for (const [name, text] of Object.entries(corrupt)) writeFileSync(join(state, name), text);
    const keys = '{"version":1,"keys":[]}\n';
    writeFileSync(join(state, 'api-keys.json'), keys);
    writeFileSync(join(state, 'recordings', 'x.json'), JSON.stringify({ camera: 'camera0', base: '../api-keys', ext: 'mp4', format: 'fmp4', startedAt: 1, state: 'recording' }));
    const svc = await startService({ test_cameras: { patterns: [{ name: 'a', width: 320, height: 240, fps: 15 }] } }, { dir, keep: true });
    t.after(() => svc.stop());
    const c = await svc.client('viewer');
    t.after(() => c.close());
    assert.deepEqual((await c.call('get_camera_list')).cameras.map((x: { device: string }) => x.device), ['camera0']);
    for (const name of Object.keys(corrupt)) {
      const line = svc.logs.find((l) => l.level >= 50 && l.msg.startsWith(`state file ${join(state, name)} is unusable`));
      assert.ok(line, `a log line names ${name}`);
      assert.equal(readdirSync(state).filter((n) => n.startsWith(`${name}.corrupt-`)).length, 1, `${name} moved aside`);
    }
    assert.ok(svc.logs.some((l) => l.level >= 50 && l.msg.startsWith(`state file ${join(state, 'recordings', 'x.json')} is unusable`)), 'the unsafe journal entry is named');
    assert.equal(readFileSync(join(state, 'api-keys.json'), 'utf8'), keys, 'api-keys.json untouched');
    assert.ok(existsSync(join(state, 'camera-ids.json')), 'camera ids written afresh');
  });

  it('a missing FFmpeg, a misspelled CAMERA_SERVICE_ variable and min_free_bytes 1e30 stop the daemon with exit 2, each named (issue 15 item 14)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bad-env-'));
    const file = join(dir, 'c.yaml');
    writeFileSync(file, `security: {jwt_secret: "${'s'.repeat(32)}"}\nstreaming: {ffmpeg_binary: /nonexistent/ffmpeg}\nstorage: {state_path: ${dir}, min_free_bytes: 1e30}\n`);
    const r = spawnSync(process.execPath, [MAIN, '--config', file], { encoding: 'utf8', timeout: 20000, env: { ...process.env, CAMERA_SERVICE_SERVR_PORT: '9000' } });
    rmSync(dir, { recursive: true, force: true });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /CAMERA_SERVICE_SERVR_PORT: unknown environment variable; did you mean CAMERA_SERVICE_SERVER_PORT \(server\.port\)\?/);
    assert.match(r.stderr, /storage\.min_free_bytes: must be <= /);
    // The FFmpeg check runs once the configuration itself is valid.
    const dir2 = mkdtempSync(join(tmpdir(), 'no-ffmpeg-'));
    const file2 = join(dir2, 'c.yaml');
    writeFileSync(file2, `security: {jwt_secret: "${'s'.repeat(32)}"}\nstreaming: {ffmpeg_binary: /nonexistent/ffmpeg}\nstorage: {state_path: ${dir2}}\n`);
    const r2 = spawnSync(process.execPath, [MAIN, '--config', file2], { encoding: 'utf8', timeout: 20000 });
    rmSync(dir2, { recursive: true, force: true });
    assert.equal(r2.status, 2, r2.stderr);
    assert.match(r2.stderr, /streaming\.ffmpeg_binary: \/nonexistent\/ffmpeg is not an executable file/);
    assert.match(r2.stderr, /streaming\.ffmpeg_binary \(its ffprobe\): \/nonexistent\/ffprobe is not an executable file/);
  });

  it('a missing MediaMTX binary stops the daemon with exit code 1 and says what to do', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'no-mtx-'));
    const file = join(dir, 'c.yaml');
    writeFileSync(
      file,
      `server: {host: 127.0.0.1, port: 0}\nsecurity: {jwt_secret: "${'s'.repeat(32)}"}\nmediamtx: {binary: /nonexistent/mediamtx, api_url: "http://127.0.0.1:1"}\nstorage: {state_path: ${dir}}\n`,
    );
    const r = spawnSync(process.execPath, [MAIN, '--config', file], { encoding: 'utf8', timeout: 20000 });
    assert.equal(r.status, 1);
    assert.match(r.stdout, /MediaMTX could not be started.*MEDIAMTX_BIN/);
  });

  it('the token command prints a JWT that the daemon accepts', async () => {
    const svc = await startService();
    try {
      const file = join(svc.dir, 'config.yaml');
      const r = spawnSync(process.execPath, [MAIN, 'token', '--role', 'operator', '--config', file], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const c = await CameraServiceClient.connect(svc.wsUrl);
      assert.equal((await c.authenticate(r.stdout.trim())).role, 'operator');
      await c.close();
      const bad = spawnSync(process.execPath, [MAIN, 'token', '--role', 'root', '--config', file], { encoding: 'utf8' });
      assert.equal(bad.status, 2);
    } finally {
      await svc.stop();
    }
  });
});
