/** External RTSP streams through the real daemon and a real MediaMTX. */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ffprobe } from '../../helpers/ffmpeg.js';
import { freePort } from '../../helpers/ports.js';
import { startService, until } from '../../helpers/service.js';

const SMALL = { width: 320, height: 240, fps: 15 };
const code = (p: Promise<unknown>) => p.then(() => 0, (e: { code: number }) => e.code);

describe('external streams', () => {
  it('an external stream from another MediaMTX path is added, readable, survives a restart, and is removed cleanly', async (t) => {
    // The service's own MediaMTX stands in for an external camera without authentication.
    const overrides = { mediamtx: { media_auth: 'none' }, test_cameras: { patterns: [{ name: 'src', ...SMALL }] } };
    let svc = await startService(overrides, { keep: true });
    const dir = svc.dir;
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const sourceUrl = `rtsp://127.0.0.1:${svc.rtspPort}/camera0`;
    let op = await svc.client('operator');
    const added = await op.call('add_external_stream', { stream_url: sourceUrl, stream_name: 'ext1' });
    assert.deepEqual([added.status, added.stream_name, added.stream_type], ['ADDED', 'ext1', 'generic_rtsp']);
    assert.equal(await code(op.call('add_external_stream', { stream_url: sourceUrl, stream_name: 'ext2' })), -32020);
    assert.equal(await code(op.call('add_external_stream', { stream_url: 'http://x/y', stream_name: 'ext3' })), -32602);
    assert.equal(await code(op.call('add_external_stream', { stream_url: sourceUrl.replace('camera0', 'x'), stream_name: 'camera5' })), -32602);

    const probed = await ffprobe(`rtsp://127.0.0.1:${svc.rtspPort}/ext1`);
    assert.deepEqual(probed, { codec_name: 'h264', width: 320, height: 240 });
    const listed = await op.call('get_external_streams');
    assert.equal(listed.total_count, 1);
    assert.equal(listed.generic_streams[0]!.name, 'ext1');
    await op.close();

    // Restart on the same state directory and ports: the stream is still there and readable.
    const rtspPort = svc.rtspPort;
    assert.equal((await svc.stop()).code, 0);
    svc = await startService({ ...overrides, mediamtx: { media_auth: 'none', rtsp_port: rtspPort } }, { dir });
    t.after(() => svc.stop());
    op = await svc.client('operator');
    assert.equal((await op.call('get_external_streams')).external_streams[0]!.url, sourceUrl);
    await until(async () => ffprobe(`rtsp://127.0.0.1:${svc.rtspPort}/ext1`).then(() => true, () => false), 15000, 'ext1 readable after restart', 200);

    const removed = await op.call('remove_external_stream', { stream_url: sourceUrl });
    assert.equal(removed.status, 'REMOVED');
    assert.equal((await op.call('get_external_streams')).total_count, 0);
    await assert.rejects(ffprobe(`rtsp://127.0.0.1:${svc.rtspPort}/ext1`), /400|404|not found|no such stream/i);
    assert.equal(await code(op.call('remove_external_stream', { stream_url: sourceUrl })), -32010);
    await op.close();
  });

  it('credentials in stream URLs are shown to admins only (issue 15 defect 8); the redacted URL removes the stream', async (t) => {
    const svc = await startService({ test_cameras: { patterns: [{ name: 'src', ...SMALL }] } });
    t.after(() => svc.stop());
    const secretUrl = `rtsp://admin:S3cr3tPw@127.0.0.1:${svc.rtspPort}/camera0`;
    const redacted = `rtsp://***:***@127.0.0.1:${svc.rtspPort}/camera0`;
    const op = await svc.client('operator');
    const viewer = await svc.client('viewer');
    const admin = await svc.client('admin');
    t.after(() => Promise.all([op.close(), viewer.close(), admin.close()]));
    const added = await op.call('add_external_stream', { stream_url: secretUrl, stream_name: 'withauth' });
    assert.equal(added.stream_url, redacted);
    for (const c of [viewer, op]) {
      const listed = await c.call('get_external_streams');
      assert.equal(listed.external_streams[0]!.url, redacted);
      assert.ok(!JSON.stringify(listed).includes('S3cr3tPw'), 'no password anywhere in the reply');
    }
    assert.equal((await admin.call('get_external_streams')).external_streams[0]!.url, secretUrl);
    assert.equal((await op.call('remove_external_stream', { stream_url: redacted })).status, 'REMOVED');
    assert.equal((await admin.call('get_external_streams')).total_count, 0);
  });

  it('discovery probes configured hosts with real RTSP requests; disabled discovery answers -32030', async (t) => {
    const svc = await startService({ test_cameras: { patterns: [{ name: 'src', ...SMALL }] } });
    t.after(() => svc.stop());
    const op = await svc.client('operator');
    assert.equal(await code(op.call('discover_external_streams', {})), -32030);
    const admin = await svc.client('admin');
    assert.equal(await code(admin.call('set_discovery_interval', { scan_interval: 30 })), -32030);
    await op.close();
    await admin.close();
    await svc.stop();

    const rtspPort = await freePort();
    const svc2 = await startService({
      mediamtx: { rtsp_port: rtspPort, media_auth: 'none' }, // its own MediaMTX as an unauthenticated camera on the scanned host
      test_cameras: { patterns: [{ name: 'src', ...SMALL }] },
      external_streams: { discovery_enabled: true, hosts: ['127.0.0.1'], generic_ports: [rtspPort], generic_paths: ['/camera0', '/nothing'], probe_timeout_ms: 3000 },
    });
    t.after(() => svc2.stop());
    const op2 = await svc2.client('operator');
    const r = await op2.call('discover_external_streams', { skydio_enabled: false });
    assert.deepEqual(r.errors, []);
    assert.equal(r.discovery_options.targets, 2);
    assert.equal(r.total_found, 1);
    const found = r.generic_streams[0]!;
    assert.equal(found.url, `rtsp://127.0.0.1:${rtspPort}/camera0`);
    assert.equal(found.status, 'DISCOVERED');
    assert.deepEqual((found.capabilities as { media: unknown }).media, [{ kind: 'video', codec: 'H264' }]);
    const listed = await op2.call('get_external_streams');
    assert.ok(listed.external_streams.some((s) => s.url === found.url && s.status === 'DISCOVERED'));
    const admin2 = await svc2.client('admin');
    assert.equal((await admin2.call('set_discovery_interval', { scan_interval: 0 })).status, 'UPDATED');
    await op2.close();
    await admin2.close();
  });
});
