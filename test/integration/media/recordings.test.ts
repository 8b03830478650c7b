/**
 * Recordings through the real daemon: test-pattern cameras published to a real managed
 * MediaMTX, recorded by the service's FFmpeg readers, checked with ffprobe.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findExecutable } from '../../../src/process/child-process.js';
import { processesMatching, startService, until } from '../../helpers/service.js';
import { collect, decodedFrames, killDaemonTree, probeSeconds, pathOf, rawRequest, SMALL } from './media-helpers.js';

const TOPICS = ['recording.start', 'recording.stop', 'recording.progress', 'recording.error'];
const rejectsWith = (code: number) => (e: { code: number }) => e.code === code;

describe('recordings', () => {
  it('a 5 s recording ends by itself, plays 5 ± 1 s, and list, info, download (ranges) and delete agree on its name', async (t) => {
    const svc = await startService({ test_cameras: { patterns: [{ name: 'a', ...SMALL }] }, storage: { min_free_bytes: 0 }, recording: { progress_interval_s: 1 } });
    t.after(() => svc.stop());
    const c = await svc.client('operator');
    t.after(() => c.close());
    const notes = collect(c);
    await c.call('subscribe_events', { topics: TOPICS });

    const started = await c.call('start_recording', { device: 'camera0', duration: 5 });
    assert.equal(started.status, 'RECORDING');
    assert.equal(started.format, 'fmp4');
    assert.match(started.filename, /^camera0_\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}\.mp4$/);
    const t0 = Date.parse(started.start_time);
    const stamp = new Date(t0).toISOString().slice(0, 19).replace('T', '_').replace(/:/g, '-');
    assert.equal(started.filename, `camera0_${stamp}.mp4`, 'named after the start time in UTC');
    assert.deepEqual((await notes.wait('recording_status_update', (p) => p.status === 'STARTED')).filename, started.filename);
    await notes.wait('recording.start', (p) => p.filename === started.filename);
    const progress = await notes.wait('recording.progress', (p) => p.file_size > 0);
    assert.equal(progress.device, 'camera0');
    assert.equal(typeof progress.duration, 'number');

    const stopped = await notes.wait('recording_status_update', (p) => p.status === 'STOPPED');
    assert.deepEqual([stopped.filename, stopped.reason], [started.filename, 'duration_reached']);
    const stopTopic = await notes.wait('recording.stop', (p) => p.filename === started.filename);
    assert.equal(stopTopic.status, 'STOPPED');

    const file = join(svc.dir, 'recordings', started.filename);
    const seconds = probeSeconds(file)!;
    t.diagnostic(`ffprobe: ${seconds} s; reported ${stopped.duration} s`);
    assert.ok(Math.abs(seconds - 5) <= 1, `ffprobe duration ${seconds}`);
    assert.ok(decodedFrames(file) > 0);

    const listedFrom = Date.now() / 1000; // the signed links below are issued within this call
    const listed = await c.call('list_recordings', {});
    const listedTo = Date.now() / 1000;
    assert.equal(listed.total, 1);
    assert.deepEqual(listed.files[0], {
      filename: started.filename,
      file_size: readFileSync(file).length,
      modified_time: listed.files[0]!.modified_time,
      download_url: listed.files[0]!.download_url,
    });
    // The path of the file with a signature query (exp, role, sig): see the signed-link checks below.
    assert.match(listed.files[0]!.download_url, new RegExp(`^/files/recordings/${started.filename.replace(/\./g, '\\.')}\\?exp=\\d+&role=operator&sig=[A-Za-z0-9_-]{43}$`));
    const info = await c.call('get_recording_info', { filename: started.filename });
    assert.equal(info.filename, started.filename);
    assert.equal(pathOf(info.download_url), pathOf(listed.files[0]!.download_url));
    assert.ok(Math.abs(info.duration - seconds) < 0.01);

    // Download: whole, HEAD, single ranges (several seeks) and a multi-range request.
    const bytes = readFileSync(file);
    const auth = { authorization: `Bearer ${await svc.token('viewer')}` };
    const whole = await rawRequest(svc.port, info.download_url, { headers: auth });
    assert.equal(whole.status, 200);
    assert.equal(whole.headers['content-type'], 'video/mp4');
    assert.equal(Number(whole.headers['content-length']), bytes.length);
    assert.equal(whole.headers['accept-ranges'], 'bytes');
    assert.match(String(whole.headers['content-disposition']), new RegExp(`attachment; filename="${started.filename}"`));
    assert.ok(whole.body.equals(bytes));
    const head = await rawRequest(svc.port, info.download_url, { method: 'HEAD', headers: auth });
    assert.deepEqual([head.status, Number(head.headers['content-length']), head.body.length], [200, bytes.length, 0]);
    for (const [from, to] of [[100, 199], [bytes.length - 50, bytes.length - 1], [0, 0], [4096, 12287]] as const) {
      const r = await rawRequest(svc.port, info.download_url, { headers: { ...auth, range: `bytes=${from}-${to}` } });
      assert.equal(r.status, 206);
      assert.equal(r.headers['content-range'], `bytes ${from}-${to}/${bytes.length}`);
      assert.ok(r.body.equals(bytes.subarray(from, to + 1)), `range ${from}-${to}`);
    }
    const suffix = await rawRequest(svc.port, info.download_url, { headers: { ...auth, range: 'bytes=-10' } });
    assert.ok(suffix.body.equals(bytes.subarray(bytes.length - 10)));
    const multi = await rawRequest(svc.port, info.download_url, { headers: { ...auth, range: 'bytes=0-3,10-13' } });
    assert.equal(multi.status, 206);
    const boundary = /boundary=(\S+)/.exec(String(multi.headers['content-type']))![1]!;
    assert.equal(Number(multi.headers['content-length']), multi.body.length);
    const text = multi.body.toString('latin1');
    assert.ok(text.includes(`--${boundary}\r\ncontent-type: video/mp4\r\ncontent-range: bytes 0-3/${bytes.length}\r\n\r\n${bytes.subarray(0, 4).toString('latin1')}`));
    assert.ok(text.includes(`content-range: bytes 10-13/${bytes.length}\r\n\r\n${bytes.subarray(10, 14).toString('latin1')}\r\n--${boundary}--`));
    // Overlapping ranges are coalesced: 16 × "0-" sends the file once (issue 15 item 14).
    const overlapping = await rawRequest(svc.port, info.download_url, { headers: { ...auth, range: `bytes=${Array(16).fill('0-').join(',')}` } });
    assert.deepEqual([overlapping.status, overlapping.headers['content-range']], [206, `bytes 0-${bytes.length - 1}/${bytes.length}`]);
    assert.ok(overlapping.body.equals(bytes));
    const beyond = await rawRequest(svc.port, info.download_url, { headers: { ...auth, range: `bytes=${bytes.length}-` } });
    assert.deepEqual([beyond.status, beyond.headers['content-range']], [416, `bytes */${bytes.length}`]);
    // Without the signature the path needs credentials.
    const plain = pathOf(info.download_url);
    assert.equal((await rawRequest(svc.port, plain)).status, 401);
    assert.equal((await rawRequest(svc.port, plain, { headers: { authorization: 'Bearer nope' } })).status, 401);
    assert.ok((await rawRequest(svc.port, plain, { headers: auth })).body.equals(bytes));

    // The signed download_url works without any header (a browser link): whole, HEAD and ranges.
    const signed = listed.files[0]!.download_url;
    const open = await rawRequest(svc.port, signed);
    assert.deepEqual([open.status, open.headers['content-type'], Number(open.headers['content-length'])], [200, 'video/mp4', bytes.length]);
    assert.ok(open.body.equals(bytes), 'the bytes of the file');
    assert.deepEqual([(await rawRequest(svc.port, signed, { method: 'HEAD' })).status], [200]);
    const ranged = await rawRequest(svc.port, signed, { headers: { range: 'bytes=100-199' } });
    assert.deepEqual([ranged.status, ranged.headers['content-range']], [206, `bytes 100-199/${bytes.length}`]);
    assert.ok(ranged.body.equals(bytes.subarray(100, 200)));
    // Bound to its file, expiry and role: any change is 403 with a reason, even with valid credentials beside it.
    const query = signed.slice(signed.indexOf('?'));
    const exp = Number(new URLSearchParams(query).get('exp'));
    assert.ok(exp >= listedFrom + 900 && exp <= listedTo + 960, `exp ${exp}: at least 900 s after it was issued (server.download_url_lifetime_s), rounded up to a step of at most 60 s`);
    for (const tampered of [
      `/files/recordings/other.mp4${query}`,
      `/files/snapshots/${started.filename}${query}`,
      signed.replace(/exp=\d+/, `exp=${exp + 3600}`),
      signed.replace('role=operator', 'role=admin'),
      signed.replace(/sig=./, (m) => (m.endsWith('A') ? 'sig=B' : 'sig=A')),
      signed.replace(/&sig=.*$/, ''),
    ]) {
      const r = await rawRequest(svc.port, tampered, { headers: auth });
      assert.equal(r.status, 403, tampered);
      assert.equal(JSON.parse(r.body.toString()).error, 'forbidden');
      assert.match(JSON.parse(r.body.toString()).reason, /signature does not match|needs exp, role and sig/, tampered);
    }

    const del = await c.call('delete_recording', { filename: started.filename });
    assert.deepEqual([del.filename, del.deleted], [started.filename, true]);
    assert.equal((await c.call('list_recordings', {})).total, 0);
    await assert.rejects(c.call('get_recording_info', { filename: started.filename }), rejectsWith(-32010));
    await assert.rejects(c.call('delete_recording', { filename: started.filename }), rejectsWith(-32010));
    assert.equal((await rawRequest(svc.port, info.download_url, { headers: auth })).status, 404);
    assert.equal((await rawRequest(svc.port, signed)).status, 404, 'a signed link of a deleted file');
  });

  it('one session per camera (-32020); a file being written cannot be deleted; stop_recording finalizes; mp4 and mkv play', async (t) => {
    const svc = await startService({ test_cameras: { patterns: [{ name: 'a', ...SMALL }] }, storage: { min_free_bytes: 0 }, streaming: { default_mode: 'always_on' } });
    t.after(() => svc.stop());
    const c = await svc.client('operator');
    t.after(() => c.close());
    const notes = collect(c);
    await c.call('subscribe_events', { topics: ['recording.progress'] });
    const files: Record<string, string> = {};
    for (const format of ['fmp4', 'mp4', 'mkv'] as const) {
      const r = await c.call('start_recording', { device: 'camera0', format });
      assert.equal(r.format, format);
      assert.match(r.filename, format === 'mkv' ? /\.mkv$/ : /\.mp4$/);
      if (format === 'fmp4') {
        await assert.rejects(c.call('start_recording', { device: 'camera0' }), (e: { code: number; data: { state: string } }) => e.code === -32020 && e.data.state === 'RECORDING');
        // start_recording answers before the first frame: the file exists once something is written.
        await notes.wait('recording.progress', (p) => p.filename === r.filename && p.file_size > 0);
        await assert.rejects(c.call('delete_recording', { filename: r.filename }), rejectsWith(-32020));
        assert.equal(((await c.call('get_recording_info', { filename: r.filename })) as { recording?: boolean }).recording, true);
      }
      await notes.wait('recording.progress', (p) => p.filename === r.filename && p.duration >= 1.5);
      const s = (await c.call('stop_recording', { device: 'camera0' })) as unknown as { status: string; filename: string; reason: string; format: string; duration: number; file_size: number };
      assert.deepEqual([s.status, s.filename, s.reason, s.format], ['STOPPED', r.filename, 'stopped', format]);
      // stop_recording answers before the trailer (figures of that moment); the notification carries the final ones.
      const final = await notes.wait('recording_status_update', (p) => p.filename === r.filename && p.status === 'STOPPED');
      assert.equal(final.reason, 'stopped');
      assert.ok(Math.abs(s.duration - final.duration) < 0.5 && s.file_size > 0, `answer ${s.duration} s ${s.file_size} B, final ${final.duration} s ${final.file_size} B`);
      files[format] = join(svc.dir, 'recordings', r.filename);
      const seconds = probeSeconds(files[format]!)!;
      assert.ok(Math.abs(seconds - final.duration) < 0.5 && seconds >= 1.4, `${format}: ffprobe ${seconds} s, reported ${final.duration} s`);
      assert.ok(decodedFrames(files[format]!) > 15, format);
      assert.equal(final.file_size, readFileSync(files[format]!).length);
    }
    await assert.rejects(c.call('stop_recording', { device: 'camera0' }), (e: { code: number; data: { state: string } }) => e.code === -32020 && e.data.state === 'IDLE');
    await assert.rejects(c.call('start_recording', { device: 'camera9' }), rejectsWith(-32010));
    await assert.rejects(c.call('start_recording', { device: 'camera0', format: 'avi' }), rejectsWith(-32602));
    await assert.rejects(c.call('start_recording', { device: 'camera0', duration: 0 }), rejectsWith(-32602));
    // fmp4 stays fragmented (moof boxes); mp4 is progressive with its index (moov) before the data.
    const boxes = (f: string) => readFileSync(f).toString('latin1');
    assert.ok(boxes(files.fmp4!).includes('moof'));
    const mp4 = boxes(files.mp4!);
    assert.ok(!mp4.includes('moof') && mp4.indexOf('moov') < mp4.indexOf('mdat'), 'mp4 is progressive with faststart');
    const viewer = await svc.client('viewer');
    t.after(() => viewer.close());
    await assert.rejects(viewer.call('start_recording', { device: 'camera0' }), rejectsWith(-32002));
    await assert.rejects(viewer.call('delete_recording', { filename: 'x.mp4' }), rejectsWith(-32002));
  });

  it('longer than the segment length: numbered parts of one recording, each playable', async (t) => {
    const svc = await startService({ test_cameras: { patterns: [{ name: 'a', ...SMALL }] }, storage: { min_free_bytes: 0 }, recording: { segment_duration_s: 2 } });
    t.after(() => svc.stop());
    const c = await svc.client('operator');
    t.after(() => c.close());
    const notes = collect(c);
    const r = await c.call('start_recording', { device: 'camera0', duration: 5 });
    const end = await notes.wait('recording_status_update', (p) => p.status === 'STOPPED');
    const base = r.filename.replace(/\.mp4$/, '');
    assert.deepEqual(end.parts, [`${base}.mp4`, `${base}_part2.mp4`, `${base}_part3.mp4`]);
    const listed = (await c.call('list_recordings', {})).files.map((f: { filename: string }) => f.filename).sort();
    assert.deepEqual(listed, [...end.parts].sort(), 'every part is listed, the part-1 link is not');
    const seconds = end.parts.map((p: string) => probeSeconds(join(svc.dir, 'recordings', p))!);
    t.diagnostic(`parts: ${seconds.join(' + ')} s`);
    for (const s of seconds) assert.ok(s > 0);
    const total = seconds.reduce((a: number, b: number) => a + b, 0);
    assert.ok(Math.abs(total - 5) <= 1, `total ${total}`);
    assert.deepEqual(readdirSync(join(svc.dir, 'recordings')).sort(), [...end.parts].sort(), 'no link or temporary left');
  });

  it('the recorder dies (kill -9): FAILED with a reason, the file plays up to its last fragment', async (t) => {
    const svc = await startService({ test_cameras: { patterns: [{ name: 'a', ...SMALL }] }, storage: { min_free_bytes: 0 } });
    t.after(() => svc.stop());
    const c = await svc.client('operator');
    t.after(() => c.close());
    const notes = collect(c);
    await c.call('subscribe_events', { topics: TOPICS });
    const r = await c.call('start_recording', { device: 'camera0' });
    await notes.wait('recording.progress', (p) => p.duration >= 2);
    const recorder = processesMatching(join(svc.dir, 'recordings'), 'ffmpeg', '-progress');
    assert.equal(recorder.length, 1);
    process.kill(recorder[0]!, 'SIGKILL');
    const failed = await notes.wait('recording_status_update', (p) => p.status === 'FAILED');
    assert.deepEqual([failed.filename, failed.reason], [r.filename, 'recorder_failed']);
    assert.equal((await notes.wait('recording.error', (p) => p.filename === r.filename)).reason, 'recorder_failed');
    assert.ok(probeSeconds(join(svc.dir, 'recordings', r.filename))! >= 1);
    // The camera records again.
    const again = await c.call('start_recording', { device: 'camera0', duration: 1 });
    assert.equal((await notes.wait('recording_status_update', (p) => p.filename === again.filename && p.status === 'STOPPED')).reason, 'duration_reached');
  });

  it('SIGTERM during a recording: clients get STOPPED and the file is finalized and plays', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'camera-service-rec-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const svc = await startService({ test_cameras: { patterns: [{ name: 'a', ...SMALL }] }, storage: { min_free_bytes: 0 } }, { keepDir: dir });
    const c = await svc.client('viewer');
    const op = await svc.client('operator');
    const notes = collect(c);
    await c.call('subscribe_events', { topics: TOPICS });
    const r = await op.call('start_recording', { device: 'camera0', format: 'fmp4' });
    await notes.wait('recording.progress', (p) => p.duration >= 2);
    const exit = await svc.stop('SIGTERM');
    assert.equal(exit.code, 0);
    const stopped = await notes.wait('recording_status_update', (p) => p.status === 'STOPPED', 1000);
    assert.deepEqual([stopped.filename, stopped.reason], [r.filename, 'service_shutdown']);
    const file = join(dir, 'recordings', r.filename);
    assert.ok(readFileSync(file).toString('latin1').includes('mfra'), 'FFmpeg wrote its trailer');
    assert.ok(probeSeconds(file)! >= 1.5);
    assert.deepEqual(readdirSync(join(dir, 'state', 'recordings')), [], 'the journal is empty: nothing to recover');
    await c.close().catch(() => undefined);
    await op.close().catch(() => undefined);
  });

  it('SIGTERM to the service and all its processes at once (systemd KillMode=control-group): still STOPPED service_shutdown, file finalized', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'camera-service-rec-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const svc = await startService({ test_cameras: { patterns: [{ name: 'a', ...SMALL }] }, storage: { min_free_bytes: 0 } }, { keepDir: dir });
    const c = await svc.client('operator');
    const notes = collect(c);
    await c.call('subscribe_events', { topics: TOPICS });
    const r = await c.call('start_recording', { device: 'camera0' });
    await notes.wait('recording.progress', (p) => p.duration >= 2);
    const group = [svc.proc.pid!, ...processesMatching(svc.dir), ...processesMatching(`:${svc.rtspPort}/`)];
    for (const pid of new Set(group)) process.kill(pid, 'SIGTERM');
    assert.equal((await svc.exited).code, 0);
    const stopped = await notes.wait('recording_status_update', (p) => p.status !== 'STARTED', 1000);
    assert.deepEqual([stopped.status, stopped.filename, stopped.reason], ['STOPPED', r.filename, 'service_shutdown']);
    // FFmpeg got two stop signals (systemd's and the service's); the second may abort its
    // trailer, so "finalized" here means: ends at a complete fragment and plays.
    const file = join(dir, 'recordings', r.filename);
    assert.ok(probeSeconds(file)! >= 1.5);
    assert.ok(decodedFrames(file) >= 1.5 * SMALL.fps);
    await c.close().catch(() => undefined);
  });

  it('kill -9 of the service during recordings: after a restart every file is listed and plays (fmp4 up to its last fragment; mp4 and mkv remuxed)', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'camera-service-rec-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const formats = ['fmp4', 'mp4', 'mkv'] as const;
    const overrides = { test_cameras: { patterns: formats.map((f) => ({ name: f, ...SMALL })) }, storage: { min_free_bytes: 0 } };
    const svc = await startService(overrides, { keepDir: dir });
    const c = await svc.client('operator');
    const notes = collect(c);
    await c.call('subscribe_events', { topics: TOPICS });
    const names: Record<string, string> = {};
    for (const [i, format] of formats.entries()) names[format] = (await c.call('start_recording', { device: `camera${i}`, format })).filename;
    for (const format of formats) await notes.wait('recording.progress', (p) => p.filename === names[format] && p.duration >= 3);
    await killDaemonTree(svc);
    await c.close().catch(() => undefined);
    const path = (name: string) => join(dir, 'recordings', name);
    assert.equal(probeSeconds(path(names.mkv!)), null, 'a killed Matroska writer leaves no duration');

    const again = await startService(overrides, { keepDir: dir });
    t.after(() => again.stop());
    const c2 = await again.client('viewer');
    t.after(() => c2.close());
    await again.waitForLog((l) => l.msg === 'crash recovery finished');
    const recovered = again.logs.filter((l) => l.msg === 'recovery: recording left by an interrupted session');
    t.diagnostic(`recovery: ${JSON.stringify(recovered.map((l) => [l.recording, l.actions]))}`);
    assert.deepEqual(recovered.map((l) => l.recording).sort(), Object.values(names).sort());
    assert.ok(recovered.every((l) => l.playable === true));
    const listed = await c2.call('list_recordings', {});
    assert.deepEqual(listed.files.map((f) => f.filename).sort(), Object.values(names).sort());
    for (const format of formats) {
      const info = await c2.call('get_recording_info', { filename: names[format]! });
      assert.ok(info.duration >= 2, `${format}: duration ${info.duration}`);
      assert.ok(decodedFrames(path(names[format]!)) >= 2 * SMALL.fps, format);
    }
    const mp4 = readFileSync(path(names.mp4!)).toString('latin1');
    assert.ok(!mp4.includes('moof') && mp4.indexOf('moov') < mp4.indexOf('mdat'), 'mp4 remuxed to a progressive file');
    assert.deepEqual(readdirSync(join(dir, 'state', 'recordings')), [], 'journal emptied');
    assert.deepEqual(readdirSync(join(dir, 'recordings')).sort(), Object.values(names).sort(), 'no link or temporary left');
  });
});

describe('shutdown while a recording starts (issue 15 item 7)', () => {
  it('SIGTERM while start_recording waits for its stream: exit 0 in time, the start answers, no FFmpeg left', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'camera-service-slowstart-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    // An FFmpeg that answers -version but never publishes or writes anything.
    mkdirSync(join(dir, 'bin'));
    const fake = join(dir, 'bin', 'ffmpeg');
    writeFileSync(fake, '#!/bin/bash\ncase "$1" in -version) exec ffmpeg -version ;; esac\nexec -a "$0" sleep 600\n', { mode: 0o755 });
    symlinkSync(findExecutable('ffprobe')!, join(dir, 'bin', 'ffprobe'));
    const svc = await startService({ streaming: { ffmpeg_binary: fake }, test_cameras: { patterns: [{ name: 'a', ...SMALL, encode_live: true }] }, storage: { min_free_bytes: 0 } }, { dir, keep: true });
    const op = await svc.client('operator');
    const answer = op.call('start_recording', { device: 'camera0' }).then(
      () => 'started',
      (e: { code?: number }) => (e.code === undefined ? 'connection closed' : `error ${e.code}`),
    );
    await until(() => processesMatching(fake).length > 0, 10000, 'the (stuck) publisher');
    const t0 = Date.now();
    const { code } = await svc.stop('SIGTERM');
    t.diagnostic(`SIGTERM to exit: ${Date.now() - t0} ms; start_recording: ${await answer}`);
    assert.equal(code, 0, 'not "graceful shutdown timed out"');
    // start_recording answers before the recorder runs (it may answer before the SIGTERM).
    assert.match(await answer, /^(started|error -32020|connection closed)$/);
    assert.deepEqual(readdirSync(join(dir, 'recordings')), [], 'no file of a recording that never wrote a frame');
    await until(() => processesMatching(fake).length === 0, 5000, 'no FFmpeg left');
  });
});

describe('start and stop answer at once (issue 14 item 3)', () => {
  it('stop_recording right after start_recording: both answer at once, the file keeps the first picture and plays; the camera records again at once', async (t) => {
    const svc = await startService({ test_cameras: { patterns: [{ name: 'a', ...SMALL }] }, storage: { min_free_bytes: 0 }, streaming: { reader_close_after_s: 1 } });
    t.after(() => svc.stop());
    const c = await svc.client('operator');
    t.after(() => c.close());
    const notes = collect(c);
    // Warm-up: the first start of a test-pattern camera encodes its loop.
    await c.call('take_snapshot', { device: 'camera0' });
    let t0 = performance.now();
    const r = await c.call('start_recording', { device: 'camera0' });
    const startMs = performance.now() - t0;
    t0 = performance.now();
    const s = await c.call('stop_recording', { device: 'camera0' });
    const stopMs = performance.now() - t0;
    t.diagnostic(`start_recording ${startMs.toFixed(1)} ms, stop_recording ${stopMs.toFixed(1)} ms (budgets 100 / 50 ms are the bench's)`);
    assert.deepEqual([s.status, s.filename], ['STOPPED', r.filename]);
    // The camera is free at once, while the first recording is still being finalized.
    const next = await c.call('start_recording', { device: 'camera0' });
    assert.notEqual(next.filename, r.filename);
    const final = await notes.wait('recording_status_update', (p) => p.filename === r.filename && p.status !== 'STARTED');
    assert.deepEqual([final.status, final.reason], ['STOPPED', 'stopped']);
    assert.ok(final.file_size > 0, 'a stop before the first frame takes effect once the first frame is written');
    const file = join(svc.dir, 'recordings', r.filename);
    assert.equal(readFileSync(file).length, final.file_size);
    assert.ok(decodedFrames(file) > 0);
    await c.call('stop_recording', { device: 'camera0' });
    const second = await notes.wait('recording_status_update', (p) => p.filename === next.filename && p.status !== 'STARTED');
    assert.deepEqual([second.status, second.reason], ['STOPPED', 'stopped']);
    assert.ok(decodedFrames(join(svc.dir, 'recordings', next.filename)) > 0);
  });
});

describe('a recording whose stream never comes (issue 14 item 3)', () => {
  it('start_recording answers RECORDING at once, then FAILED start_failed with a reason: not active, no FFmpeg recorder, no file, camera free', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'camera-service-nostart-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    // An FFmpeg that answers -version but never publishes: the camera's publisher cannot start.
    mkdirSync(join(dir, 'bin'));
    const fake = join(dir, 'bin', 'ffmpeg');
    writeFileSync(fake, '#!/bin/bash\ncase "$1" in -version) exec ffmpeg -version ;; esac\nexec -a "$0" sleep 600\n', { mode: 0o755 });
    symlinkSync(findExecutable('ffprobe')!, join(dir, 'bin', 'ffprobe'));
    const svc = await startService(
      { streaming: { ffmpeg_binary: fake }, test_cameras: { patterns: [{ name: 'a', ...SMALL, encode_live: true }] }, storage: { min_free_bytes: 0 }, recording: { start_timeout_ms: 1500 } },
      { dir, keep: true },
    );
    t.after(() => svc.stop());
    const c = await svc.client('operator');
    t.after(() => c.close());
    const notes = collect(c);
    await c.call('subscribe_events', { topics: TOPICS });
    const t0 = performance.now();
    const r = await c.call('start_recording', { device: 'camera0' });
    const answeredMs = performance.now() - t0;
    assert.equal(r.status, 'RECORDING');
    t.diagnostic(`start_recording answered in ${answeredMs.toFixed(1)} ms`);
    await notes.wait('recording_status_update', (p) => p.filename === r.filename && p.status === 'STARTED');
    const failed = await notes.wait('recording_status_update', (p) => p.filename === r.filename && p.status !== 'STARTED', 10000);
    assert.deepEqual([failed.status, failed.reason, failed.file_size, failed.parts], ['FAILED', 'start_failed', 0, []]);
    assert.match(failed.error, /did not start|no frame|first frame/);
    assert.equal((await notes.wait('recording.error', (p) => p.filename === r.filename)).reason, 'start_failed');
    // Not recording any more: stop says IDLE, nothing is listed, no file or journal entry is left.
    await assert.rejects(c.call('stop_recording', { device: 'camera0' }), (e: { code: number; data: { state: string } }) => e.code === -32020 && e.data.state === 'IDLE');
    assert.equal((await c.call('list_recordings', {})).total, 0);
    assert.deepEqual(readdirSync(join(dir, 'recordings')), []);
    assert.deepEqual(readdirSync(join(dir, 'state', 'recordings')).filter((n) => n.endsWith('.json')), []);
    // No recorder FFmpeg (its command line names the recordings folder), and the publisher is let go.
    assert.deepEqual(processesMatching(join(dir, 'recordings')), []);
    await until(() => processesMatching(fake).length === 0, 10000, 'the stuck publisher stopped once no one uses the stream');
    // The camera can be asked again (and fails the same way).
    const again = await c.call('start_recording', { device: 'camera0' });
    assert.equal((await notes.wait('recording_status_update', (p) => p.filename === again.filename && p.status !== 'STARTED', 10000)).reason, 'start_failed');
  });
});
