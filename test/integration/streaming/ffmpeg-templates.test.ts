/**
 * Every shipped template, rendered and run by the installed FFmpeg against inputs or outputs
 * that fail fast: FFmpeg must accept the whole argument list (no unknown or unused options)
 * and fail only where expected. V4L2 inputs cannot be opened on this host (no V4L2), so for
 * them only FFmpeg's option parsing is checked; the VM lane runs them against vivid.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runFfmpegOnce } from '../../../src/streaming/ffmpeg/one-shot.js';
import { ensureTestLoop } from '../../../src/streaming/ffmpeg/test-loop.js';
import { loadTemplatesSync } from '../../../src/streaming/templates/catalog.js';
import { renderArgv, type TemplateValues } from '../../../src/streaming/templates/render.js';
import { ffprobe, freePort, tempDir } from '../../helpers/ffmpeg.js';

const catalog = loadTemplatesSync();

describe('shipped templates run by the real FFmpeg', () => {
  it('every template is accepted; each fails only at the input or output it cannot reach', async (t) => {
    const dir = tempDir(t, 'templates-');
    const closed = await freePort(); // nothing listens here
    const loopFile = await ensureTestLoop({ cacheDir: dir, lookup: catalog, width: 160, height: 120, fps: 5, seconds: 1 });
    const values: TemplateValues = {
      device: '/dev/video99', input_format: 'yuyv422', width: 160, height: 120, fps: 5, gop: 5, bitrate_kbps: 200,
      publish_url: `rtsp://127.0.0.1:${closed}/camera0`, source_url: `rtsp://127.0.0.1:${closed}/source`,
      output: join(dir, 'out'), loop_file: loopFile, duration_s: 1, jpeg_qscale: 5, vaapi_device: '/dev/dri/renderD128',
    };
    const expected = (input: string, kind: string): string | null => {
      if (kind === 'generate') return null; // runs to completion
      if (input === 'v4l2') return 'no_such_file'; // /dev/video99
      return 'connection_refused'; // RTSP source or publish target
    };
    const checked: string[] = [];
    for (const template of catalog.list()) {
      const output = join(dir, `${template.name}.${template.kind === 'generate' ? 'mp4' : 'jpg'}`);
      const argv = renderArgv(template, { ...values, output });
      const r = await runFfmpegOnce(argv, { timeoutMs: 20_000 });
      const where = `${template.name}: ${r.summary}\n${r.stderr.join('\n')}`;
      assert.ok(!r.stderr.some((l) => /Unrecognized option|Option not found|has not been used for any stream/.test(l)), where);
      assert.notEqual(r.error?.code, 'codec_not_found', where);
      if (template.encoder === 'h264_vaapi') {
        // No GPU here: FFmpeg stops at creating the VA-API device, before the other options.
        assert.ok(r.stderr.some((l) => l.includes("for option 'vaapi_device'")), where);
      } else {
        const code = expected(template.input, template.kind);
        if (code === null) {
          assert.ok(r.ok, where);
          assert.deepEqual(await ffprobe(output), { codec_name: 'h264', width: 160, height: 120 });
        } else {
          assert.equal(r.error?.code, code, where);
        }
      }
      checked.push(template.name);
    }
    assert.equal(checked.length, catalog.names().length);
  });
});
