import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTemplate } from '../../../src/streaming/templates/template.js';
import { formatCommand, maskCredentials, renderArgs, renderArgv, RenderError } from '../../../src/streaming/templates/render.js';

const T = parseTemplate(
  `
description: all kinds of placeholders
kind: snapshot
input: rtsp
encoder: mjpeg
placeholders:
  source_url: s
  output: o
  jpeg_qscale: q
  fps: f
  input_format: i
args: [-rtsp_transport, tcp, -i, "{source_url}", -r, "{fps}", -pix_fmt, "{input_format}", "-q:v", "{jpeg_qscale}", -y, "{output}", "-metadata", "comment={{{fps}}}"]
`,
  'render.yaml',
);
const good = { source_url: 'rtsp://cam.local:554/live', output: '/tmp/snap one.jpg', jpeg_qscale: 5, fps: 30, input_format: 'yuyv422' };

describe('renderArgs', () => {
  it('substitutes each value inside its own argument, never splitting it', () => {
    const args = renderArgs(T, good);
    assert.deepEqual(args, [
      '-rtsp_transport', 'tcp', '-i', 'rtsp://cam.local:554/live', '-r', '30', '-pix_fmt', 'yuyv422', '-q:v', '5', '-y', '/tmp/snap one.jpg',
      '-metadata', 'comment={30}',
    ]);
  });

  it('keeps shell metacharacters as plain text in one argument', () => {
    const args = renderArgs(T, { ...good, output: '/tmp/$(rm -rf ~); echo `x` > y.jpg' });
    assert.equal(args[11], '/tmp/$(rm -rf ~); echo `x` > y.jpg');
    assert.equal(args.length, 14);
  });

  it('ignores values the template does not declare', () => {
    assert.deepEqual(renderArgs(T, { ...good, device: '/dev/video0', width: 1 }), renderArgs(T, good));
  });

  it('accepts frame rates as numbers or exact ratios', () => {
    assert.equal(renderArgs(T, { ...good, fps: 7.5 })[5], '7.5');
    assert.equal(renderArgs(T, { ...good, fps: '30000/1001' })[5], '30000/1001');
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['a missing value', { output: undefined }, /\{output\} has no value/],
    ['a relative path', { output: 'snap.jpg' }, /\{output\} must be an absolute path/],
    ['a path that looks like an option', { output: '-y' }, /\{output\} must be an absolute path/],
    ['a path with a newline', { output: '/tmp/a\nb' }, /\{output\} must not contain control characters/],
    ['a URL with another scheme', { source_url: 'file:///etc/passwd' }, /\{source_url\} must use rtsp:\/\/ or rtsps:\/\//],
    ['a URL with a space', { source_url: 'rtsp://a b/' }, /must not contain spaces/],
    ['not a URL', { source_url: 'camera' }, /must be a URL/],
    ['a number as a string', { jpeg_qscale: '5' }, /\{jpeg_qscale\} must be an integer, got "5"/],
    ['a number out of range', { jpeg_qscale: 1 }, /\{jpeg_qscale\} must be between 2 and 31, got 1/],
    ['a fractional integer', { jpeg_qscale: 2.5 }, /must be an integer/],
    ['a frame rate of zero', { fps: 0 }, /\{fps\} must be between 0.1 and 240 fps/],
    ['a frame rate with an expression', { fps: '30/1,scale=1' }, /\{fps\} must be a number or a ratio/],
    ['a frame rate in exponent notation', { fps: 1e-7 }, /must be a plain decimal number/],
    ['a format name with a separator', { input_format: 'yuyv422:x' }, /\{input_format\} must match/],
  ];
  for (const [what, patch, message] of bad) {
    it(`rejects ${what}, naming the template and placeholder`, () => {
      assert.throws(
        () => renderArgs(T, { ...good, ...patch } as never),
        (err: unknown) => err instanceof RenderError && err.template === 'render' && message.test(err.message),
      );
    });
  }

  it('renderArgv puts the binary first', () => {
    assert.deepEqual(renderArgv(T, good, '/usr/bin/ffmpeg').slice(0, 2), ['/usr/bin/ffmpeg', '-rtsp_transport']);
  });
});

describe('formatCommand', () => {
  it('quotes what a shell would split or expand, and masks credentials', () => {
    const cmd = formatCommand(['ffmpeg', '-i', 'rtsp://admin:secret@10.0.0.2/live', '-y', "/tmp/it's here.jpg", 'a*b']);
    assert.equal(cmd, `ffmpeg -i 'rtsp://***@10.0.0.2/live' -y '/tmp/it'\\''s here.jpg' 'a*b'`);
    assert.ok(!cmd.includes('secret'));
  });
  it('maskCredentials leaves URLs without user info alone', () => {
    assert.equal(maskCredentials('rtsp://10.0.0.2/a@b'), 'rtsp://10.0.0.2/a@b');
    assert.equal(maskCredentials('rtsps://u@h/x'), 'rtsps://***@h/x');
  });
});
