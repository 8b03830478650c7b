/** get_camera_diagnostics against the real daemon, with a pipeline that keeps failing. */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, startService, until } from '../../helpers/service.js';

const BROKEN = `description: Deliberately broken test-pattern pipeline (diagnostics test)
kind: publish
input: lavfi
encoder: libx264
placeholders:
  width: frame width
  height: frame height
  fps: frame rate
  gop: keyframe interval
  publish_url: RTSP URL
args:
  - [-hide_banner, -nostdin, -loglevel, warning, -nostats, -progress, "pipe:1"]
  - [-re, -f, lavfi, -i, "nosuchsource=size={width}x{height}:rate={fps}"]
  - [-c:v, libx264, -g, "{gop}"]
  - [-f, rtsp, -rtsp_transport, tcp, "{publish_url}"]
`;

describe('camera diagnostics', () => {
  it('a camera whose FFmpeg keeps failing: exit codes, stderr lines, summary and transitions', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'diag-templates-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    cpSync(join(ROOT, 'ffmpeg-templates'), dir, { recursive: true });
    writeFileSync(join(dir, 'broken-publish.yaml'), BROKEN);
    const svc = await startService({
      test_cameras: { patterns: [{ name: 'bad', width: 320, height: 240, fps: 15, encode_live: true }] },
      streaming: { default_mode: 'always_on', templates_dir: dir, overrides: { camera0: { template: 'broken-publish' } } },
    });
    t.after(() => svc.stop());
    const admin = await svc.client('admin');
    await until(async () => (await admin.call('get_camera_diagnostics', { device: 'camera0' })).stream.ffmpeg?.last_exit != null, 15000, 'a failed FFmpeg exit');
    const d = await admin.call('get_camera_diagnostics', { device: 'camera0' });
    const ffmpeg = d.stream.ffmpeg as { last_exit: { code: number; summary: string }; stderr: string[]; state: string };
    assert.notEqual(ffmpeg.last_exit.code, 0);
    assert.ok(ffmpeg.stderr.some((l) => /nosuchsource/i.test(l)), ffmpeg.stderr.join('\n'));
    assert.match(d.summary, /camera0 is not streaming because FFmpeg keeps failing|camera0 is starting/);
    assert.equal((d.stream.template as { name: string }).name, 'broken-publish');
    assert.deepEqual(d.transitions.map((x: { to: string }) => x.to), ['CONNECTED']);
    assert.equal(d.device_info.kind, 'test_pattern');
    assert.deepEqual(d.device_holders, []);

    const viewer = await svc.client('viewer');
    await assert.rejects(viewer.call('get_camera_diagnostics', { device: 'camera0' }), (e: { code: number }) => e.code === -32002);
    await assert.rejects(admin.call('get_camera_diagnostics', { device: 'camera9' }), (e: { code: number }) => e.code === -32010);
    await admin.close();
    await viewer.close();
  });
});
