import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadTemplates, loadTemplatesSync, TemplateLoadError, defaultTemplatesDir } from '../../../src/streaming/templates/catalog.js';
import { parseArg, parseTemplate, TemplateError } from '../../../src/streaming/templates/template.js';
import { renderArgs } from '../../../src/streaming/templates/render.js';
import { TEMPLATES_DIR } from './fixtures.js';

const GOOD = `
description: test pattern to RTSP
kind: publish
input: lavfi
encoder: libx264
placeholders:
  width: w
  height: h
  fps: rate
  publish_url: where
args:
  - [-nostats, -progress, "pipe:1"]
  - [-f, lavfi, -i, "testsrc2=size={width}x{height}:rate={fps}"]
  - [-c:v, libx264, -crf, 23, -q:v, 2.50]
  - -f
  - rtsp
  - "{publish_url}"
`;

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ffmpeg-templates-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
function loadError(files: Record<string, string>): TemplateLoadError {
  const dir = tempDir(files);
  try {
    loadTemplatesSync(dir);
  } catch (err) {
    assert.ok(err instanceof TemplateLoadError, String(err));
    return err;
  }
  assert.fail('expected the templates to be rejected');
}

describe('the shipped ffmpeg-templates/', () => {
  it('all load, and the default directory is found from the module location', async () => {
    assert.equal(defaultTemplatesDir(), TEMPLATES_DIR);
    const catalog = await loadTemplates();
    assert.deepEqual(catalog.names(), [
      'rtsp-relay',
      'snapshot-rtsp-jpeg',
      'snapshot-rtsp-png',
      'snapshot-v4l2-jpeg',
      'snapshot-v4l2-png',
      'testsrc-loop-copy',
      'testsrc-loop-encode',
      'testsrc-x264',
      'v4l2-h264-copy',
      'v4l2-h264-v4l2m2m',
      'v4l2-h264-vaapi',
      'v4l2-mjpeg-x264',
      'v4l2-raw-x264',
    ]);
  });

  it('publish pipelines publish over RTSP/TCP with machine-readable progress; only hardware ones are optional', () => {
    const catalog = loadTemplatesSync(TEMPLATES_DIR);
    for (const t of catalog.list('publish')) {
      const args = renderArgs(t, {
        device: '/dev/video0', input_format: 'yuyv422', width: 640, height: 480, fps: 30, gop: 30, bitrate_kbps: 1000,
        publish_url: 'rtsp://127.0.0.1:8554/camera0', source_url: 'rtsp://10.0.0.2/live', loop_file: '/cache/loop.mp4',
        vaapi_device: '/dev/dri/renderD128',
      });
      assert.deepEqual(args.slice(-5), ['-f', 'rtsp', '-rtsp_transport', 'tcp', 'rtsp://127.0.0.1:8554/camera0'], t.name);
      assert.equal(args[args.indexOf('-progress') + 1], 'pipe:1', t.name);
      assert.ok(args.includes('-nostats') && args[args.indexOf('-loglevel') + 1] === 'warning', t.name);
      assert.equal(t.optional, t.encoder === 'h264_v4l2m2m' || t.encoder === 'h264_vaapi', t.name);
      if (t.encoder === 'libx264') {
        assert.equal(args[args.indexOf('-preset') + 1], 'ultrafast', t.name);
        assert.equal(args[args.indexOf('-tune') + 1], 'zerolatency', t.name);
        assert.equal(args[args.indexOf('-g') + 1], '30', `${t.name}: one keyframe per second`);
      }
    }
  });
});

describe('template validation at load', () => {
  it('a good template loads; scalars stay exactly as written (no YAML number conversion)', () => {
    const t = parseTemplate(GOOD, '/x/good.yaml');
    assert.equal(t.name, 'good');
    const args = renderArgs(t, { width: 320, height: 240, fps: 10, publish_url: 'rtsp://127.0.0.1:1/p' });
    assert.deepEqual(args, [
      '-nostats', '-progress', 'pipe:1', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=10',
      '-c:v', 'libx264', '-crf', '23', '-q:v', '2.50', '-f', 'rtsp', 'rtsp://127.0.0.1:1/p',
    ]);
  });

  const cases: [string, (s: string) => string, RegExp][] = [
    ['an unknown placeholder in args', (s) => s.replace('rate={fps}', 'rate={framerate}'), /unknown placeholder \{framerate\}/],
    ['an unknown placeholder declared', (s) => s.replace('  fps: rate\n', '  fps: rate\n  colour: c\n'), /unknown placeholder \{colour\} declared/],
    ['a declared but unused placeholder', (s) => s.replace('  fps: rate\n', '  fps: rate\n  device: d\n'), /\{device\} is declared but not used/],
    ['a used but undeclared placeholder', (s) => s.replace('  fps: rate\n', ''), /\{fps\} is used in args but not declared/],
    ['a malformed placeholder', (s) => s.replace('rate={fps}', 'rate={FPS}'), /malformed placeholder "\{FPS\}"/],
    ['an unclosed brace', (s) => s.replace('rate={fps}', 'rate={fps'), /unclosed "\{"/],
    ['a stray closing brace', (s) => s.replace('rate={fps}', 'rate={fps}}x'), /unmatched "\}"/],
    ['a URL spliced into a larger argument', (s) => s.replace('"{publish_url}"', '"url={publish_url}"'), /\{publish_url\} must be a whole argument/],
    ['a publish template without -progress pipe:1', (s) => s.replace('-progress, "pipe:1"', '-progress, "pipe:2"'), /-progress pipe:1/],
    ['an unknown field', (s) => `${s}priority: high\n`, /unknown field "priority"/],
    ['a missing description', (s) => s.replace('description: test pattern to RTSP\n', ''), /missing field "description"/],
    ['a bad kind', (s) => s.replace('kind: publish', 'kind: stream'), /"kind" must be one of publish, snapshot, generate/],
    ['optional not a boolean', (s) => `${s}optional: maybe\n`, /"optional" must be true or false/],
    ['a non-string argument', (s) => s.replace('  - -f\n', '  - {a: b}\n'), /args entry 4 must be a string/],
    ['the binary as first argument', (s) => s.replace('[-nostats,', '[ffmpeg, -nostats,'), /should be an option/],
    ['invalid YAML', (s) => `${s}\n  - [unclosed\n`, /invalid YAML/],
    ['fourcc on a non-V4L2 input', (s) => `${s}fourcc: [YUYV]\n`, /"fourcc" only applies to input: v4l2/],
  ];
  for (const [what, edit, message] of cases) {
    it(`rejects ${what}, naming the file`, () => {
      const err = loadError({ 'good.yaml': GOOD, 'broken.yaml': edit(GOOD), 'README.md': 'ignored {nonsense}' });
      assert.equal(err.problems.length, 1);
      assert.match(err.problems[0]!.file, /broken\.yaml$/);
      assert.match(err.message, /broken\.yaml: /);
      assert.match(err.message, message);
    });
  }

  it('V4L2 templates must read {device} and list formats FFmpeg can request', () => {
    const v4l2 = (fourcc: string, device = true) => `
description: d
kind: publish
input: v4l2
fourcc: ${fourcc}
encoder: copy
placeholders:
  ${device ? 'device: dev' : 'width: w'}
  publish_url: p
args: [-progress, "pipe:1", -i, "${device ? '{device}' : 'x{width}'}", "{publish_url}"]
`;
    assert.doesNotThrow(() => parseTemplate(v4l2('[H264, raw]'), 'a.yaml'));
    assert.throws(() => parseTemplate(v4l2('[YVYU]'), 'b.yaml'), /b\.yaml: fourcc "YVYU" is not a camera format FFmpeg can request/);
    assert.throws(() => parseTemplate(v4l2('[H264]', false), 'c.yaml'), /c\.yaml: input: v4l2 templates must read \{device\}/);
    assert.throws(() => parseTemplate(v4l2('[H264]').replace(/fourcc:.*\n/, ''), 'd.yaml'), /d\.yaml: .*must list the camera formats/);
  });

  it('reports every broken file at once, and two files with one name', () => {
    const err = loadError({
      'one.yaml': GOOD.replace('{fps}', '{nope}'),
      'two.yaml': GOOD.replace('kind: publish', 'kind: other'),
      'good.yaml': GOOD,
      'good.yml': GOOD,
    });
    const files = err.problems.map((p) => p.file.split('/').pop()).sort();
    assert.deepEqual(files, ['good.yml', 'one.yaml', 'two.yaml']);
    assert.match(err.message, /good\.yml: template name "good" is also used by .*good\.yaml/);
  });

  it('an empty directory is an error', () => {
    assert.throws(() => loadTemplatesSync(tempDir({ 'notes.txt': '' })), /no template files/);
  });

  it('TemplateError carries the file', () => {
    try {
      parseTemplate('[1, 2]', '/etc/x.yaml');
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof TemplateError);
      assert.equal(err.file, '/etc/x.yaml');
      assert.match(err.message, /^\/etc\/x\.yaml: must be a YAML mapping/);
    }
  });
});

describe('parseArg', () => {
  it('splits text and placeholders, with {{ }} for literal braces', () => {
    assert.deepEqual(parseArg('size={width}x{height}'), [{ text: 'size=' }, { placeholder: 'width' }, { text: 'x' }, { placeholder: 'height' }]);
    assert.deepEqual(parseArg('{{literal}}'), [{ text: '{literal}' }]);
    assert.deepEqual(parseArg(''), [{ text: '' }]);
  });
});
