import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadTemplatesSync } from '../../../src/streaming/templates/catalog.js';
import {
  defaultBitrateKbps,
  fourccClass,
  jpegQscale,
  planPublish,
  planSnapshot,
  publishValues,
  selectPublishTemplate,
  selectSnapshotTemplate,
  TemplateSelectionError,
  v4l2InputFormat,
  type StreamSource,
} from '../../../src/streaming/templates/select.js';
import { readFixture, TEMPLATES_DIR } from './fixtures.js';

const catalog = loadTemplatesSync(TEMPLATES_DIR);
const cam = (fourcc: string, extra: Partial<StreamSource & { kind: 'v4l2' }> = {}): StreamSource => ({
  kind: 'v4l2', device: '/dev/video0', fourcc, width: 1280, height: 720, fps: 30, ...extra,
});

describe('selectPublishTemplate', () => {
  const cases: [string, StreamSource, string, RegExp][] = [
    ['H264 camera', cam('H264'), 'v4l2-h264-copy', /^input is H264: stream copy, no transcoding$/],
    ['MJPG camera', cam('MJPG'), 'v4l2-mjpeg-x264', /^input is MJPG: decode and encode H\.264 with libx264 \(ultrafast, zerolatency/],
    ['JPEG camera', cam('JPEG'), 'v4l2-mjpeg-x264', /^input is JPEG: /],
    ['YUYV camera', cam('YUYV'), 'v4l2-raw-x264', /^input is raw YUYV \(FFmpeg yuyv422\): encode H\.264 with libx264/],
    ['NV12 camera', cam('NV12'), 'v4l2-raw-x264', /raw NV12 \(FFmpeg nv12\)/],
    ['padded fourcc', cam('Y16 '), 'v4l2-raw-x264', /raw Y16 \(FFmpeg gray16le\)/],
    ['test pattern', { kind: 'test-pattern', width: 640, height: 480, fps: 15 }, 'testsrc-x264', /^test pattern 640x480@15: encode live with libx264/],
    ['looped test pattern', { kind: 'test-pattern', width: 640, height: 480, fps: 15, loop: true }, 'testsrc-loop-copy', /pre-encoded H\.264 loop with stream copy/],
    ['RTSP source', { kind: 'rtsp', url: 'rtsp://10.0.0.2/live' }, 'rtsp-relay', /relay over TCP with stream copy/],
  ];
  for (const [what, source, template, reason] of cases) {
    it(`${what} -> ${template}`, () => {
      const choice = selectPublishTemplate(source, catalog);
      assert.equal(choice.template, template);
      assert.match(choice.reason, reason);
    });
  }

  it('a configured hardware encoder is used for inputs that need encoding, not for H.264 passthrough', () => {
    assert.equal(selectPublishTemplate(cam('MJPG'), catalog, { hardware: 'v4l2m2m' }).template, 'v4l2-h264-v4l2m2m');
    const vaapi = selectPublishTemplate(cam('YUYV'), catalog, { hardware: 'vaapi' });
    assert.equal(vaapi.template, 'v4l2-h264-vaapi');
    assert.match(vaapi.reason, /h264_vaapi \(hardware encoder configured\)/);
    assert.equal(selectPublishTemplate(cam('H264'), catalog, { hardware: 'vaapi' }).template, 'v4l2-h264-copy');
  });

  it('a per-camera override names its template in the reason', () => {
    const choice = selectPublishTemplate(cam('MJPG'), catalog, { template: 'v4l2-h264-v4l2m2m' });
    assert.deepEqual(choice, { template: 'v4l2-h264-v4l2m2m', reason: 'template v4l2-h264-v4l2m2m configured for this camera, input is MJPG' });
  });

  const badOverrides: [string, StreamSource, string, RegExp][] = [
    ['an unknown template', cam('MJPG'), 'mjpeg-fast', /unknown FFmpeg template "mjpeg-fast" configured \(known: rtsp-relay, /],
    ['a snapshot template', cam('MJPG'), 'snapshot-v4l2-jpeg', /snapshot-v4l2-jpeg is a snapshot pipeline/],
    ['a template for another input', cam('MJPG'), 'testsrc-x264', /testsrc-x264 reads lavfi input and cannot publish a V4L2 camera with MJPG input/],
    ['a template for another camera format', cam('MJPG'), 'v4l2-h264-copy', /v4l2-h264-copy accepts H264, not MJPG/],
    ['a V4L2 template for an RTSP source', { kind: 'rtsp', url: 'rtsp://h/x' }, 'v4l2-raw-x264', /cannot publish an RTSP source/],
  ];
  for (const [what, source, template, message] of badOverrides) {
    it(`overriding with ${what} is an error`, () => {
      assert.throws(() => selectPublishTemplate(source, catalog, { template }), (e: unknown) => e instanceof TemplateSelectionError && message.test(e.message));
    });
  }

  it('a camera format FFmpeg cannot request is an error, not a guess', () => {
    assert.throws(() => selectPublishTemplate(cam('YVYU'), catalog), /no FFmpeg pipeline for camera format "YVYU"/);
    assert.throws(() => selectPublishTemplate(cam('HEVC'), catalog), /no FFmpeg pipeline for camera format "HEVC"/);
  });
});

describe('V4L2 format names', () => {
  it('match what FFmpeg 5.1 itself reports for every vivid format (recorded in the VM)', () => {
    // Both listings enumerate the driver's formats in the same order.
    const v4l2 = readFixture('vivid', 'v4l2-list-formats.txt')
      .split('\n')
      .map((l) => /^\s*\[\d+\]: '([^']+)'/.exec(l)?.[1])
      .filter((f): f is string => f !== undefined);
    const ffmpeg = readFixture('vivid', 'ffmpeg-list-formats.txt')
      .split('\n')
      .map((l) => /\] (?:Raw|Compressed)\s*:\s*(\S+)\s*:/.exec(l)?.[1])
      .filter((f): f is string => f !== undefined);
    assert.equal(v4l2.length, ffmpeg.length);
    assert.ok(v4l2.length > 50);
    // Where two formats share a name, the VM recorded which one FFmpeg asks the driver for.
    const requested = new Map<string, string>();
    let name = '';
    for (const line of readFixture('vivid', 'ambiguous-input-formats.txt').split('\n')) {
      const n = /^== -input_format (\S+)/.exec(line);
      if (n) name = n[1]!;
      const f = /Pixel Format\s*:\s*'([^']+)'/.exec(line);
      if (f) requested.set(name, f[1]!.trim());
    }
    assert.deepEqual([...requested.keys()], ['yuv420p', '0rgb', 'bgr0']);
    const sharing = (n: string) => v4l2.filter((_, i) => ffmpeg[i] === n).length;
    let checked = 0;
    v4l2.forEach((fourcc, i) => {
      const ours = v4l2InputFormat(fourcc);
      const theirs = ffmpeg[i]!;
      if (theirs === 'Unsupported') {
        assert.equal(ours, undefined, `${fourcc}: FFmpeg cannot capture it`);
      } else if (sharing(theirs) > 1) {
        const winner = requested.get(theirs);
        assert.ok(winner, `no recording of which format FFmpeg requests for ${theirs}`);
        assert.equal(ours, winner === fourcc.trim() ? theirs : undefined, `${fourcc} (${theirs} requests ${winner})`);
      } else {
        assert.equal(ours, theirs, fourcc);
      }
      checked++;
    });
    assert.equal(checked, v4l2.length);
  });

  it('classifies formats', () => {
    assert.deepEqual(['H264', 'MJPG', 'JPEG', 'YUYV', 'NV12', 'VP80'].map(fourccClass), ['h264', 'mjpeg', 'mjpeg', 'raw', 'raw', 'unsupported']);
  });
});

describe('values and plans', () => {
  it('publishValues gives a V4L2 pipeline its device, format, mode, keyframe interval and bitrate', () => {
    const v = publishValues(cam('YUYV', { fps: 29.97, frameInterval: { num: 1001, den: 30000 } }), { publishUrl: 'rtsp://127.0.0.1:8554/camera0' });
    assert.deepEqual(v, {
      publish_url: 'rtsp://127.0.0.1:8554/camera0', device: '/dev/video0', width: 1280, height: 720,
      fps: '30000/1001', gop: 30, bitrate_kbps: defaultBitrateKbps(1280, 720, 29.97), vaapi_device: '/dev/dri/renderD128', input_format: 'yuyv422',
    });
  });

  it('planPublish renders the chosen pipeline into an argv', () => {
    const plan = planPublish(cam('MJPG', { width: 640, height: 480, fps: 7.5 }), catalog, { publishUrl: 'rtsp://127.0.0.1:8554/camera1', binary: '/usr/bin/ffmpeg' });
    assert.equal(plan.template, 'v4l2-mjpeg-x264');
    assert.equal(plan.argv[0], '/usr/bin/ffmpeg');
    const at = (flag: string) => plan.argv[plan.argv.indexOf(flag) + 1];
    assert.equal(at('-input_format'), 'mjpeg');
    assert.equal(at('-video_size'), '640x480');
    assert.equal(at('-framerate'), '7.5');
    assert.equal(at('-g'), '8');
    assert.equal(at('-i'), '/dev/video0');
    assert.equal(plan.argv.at(-1), 'rtsp://127.0.0.1:8554/camera1');
  });

  it('a looped test pattern needs its clip', () => {
    const source: StreamSource = { kind: 'test-pattern', width: 320, height: 240, fps: 10, loop: true };
    assert.throws(() => planPublish(source, catalog, { publishUrl: 'rtsp://127.0.0.1:8554/t' }), /\{loop_file\} has no value/);
    const plan = planPublish(source, catalog, { publishUrl: 'rtsp://127.0.0.1:8554/t', loopFile: '/cache/loop.mp4' });
    assert.deepEqual(plan.argv.slice(plan.argv.indexOf('-re')), ['-re', '-stream_loop', '-1', '-i', '/cache/loop.mp4', '-map', '0:v:0', '-c:v', 'copy', '-f', 'rtsp', '-rtsp_transport', 'tcp', 'rtsp://127.0.0.1:8554/t']);
  });

  it('defaultBitrateKbps scales with pixels per second within bounds', () => {
    assert.equal(defaultBitrateKbps(640, 480, 30), 922);
    assert.equal(defaultBitrateKbps(160, 120, 1), 256);
    assert.equal(defaultBitrateKbps(7680, 4320, 60), 20_000);
  });
});

describe('snapshots', () => {
  it('jpegQscale maps quality 1..100 onto 31..2', () => {
    assert.equal(jpegQscale(100), 2);
    assert.equal(jpegQscale(1), 31);
    assert.equal(jpegQscale(85), 6);
    assert.throws(() => jpegQscale(0), RangeError);
    assert.throws(() => jpegQscale(101), RangeError);
  });

  it('picks the pipeline by source and image format', () => {
    const rtsp = { kind: 'rtsp', url: 'rtsp://127.0.0.1:8554/camera0' } as const;
    assert.equal(selectSnapshotTemplate(rtsp, 'jpg', catalog).template, 'snapshot-rtsp-jpeg');
    assert.equal(selectSnapshotTemplate(rtsp, 'jpeg', catalog).template, 'snapshot-rtsp-jpeg');
    assert.equal(selectSnapshotTemplate(rtsp, 'png', catalog).template, 'snapshot-rtsp-png');
    const dev = cam('YUYV') as StreamSource & { kind: 'v4l2' };
    assert.match(selectSnapshotTemplate(dev, 'png', catalog).reason, /from the device \(input is raw YUYV/);
    assert.throws(() => selectSnapshotTemplate(cam('YVYU') as never, 'jpg', catalog), /no snapshot pipeline for camera format "YVYU"/);
  });

  it('planSnapshot renders quality and output', () => {
    const plan = planSnapshot({ kind: 'rtsp', url: 'rtsp://127.0.0.1:8554/camera0' }, catalog, { format: 'jpg', output: '/var/snap/a.jpg', quality: 100 });
    assert.equal(plan.argv[plan.argv.indexOf('-q:v') + 1], '2');
    assert.equal(plan.argv.at(-1), '/var/snap/a.jpg');
    assert.equal(plan.argv[plan.argv.indexOf('-frames:v') + 1], '1');
    const png = planSnapshot({ kind: 'rtsp', url: 'rtsp://127.0.0.1:8554/camera0' }, catalog, { format: 'png', output: '/var/snap/a.png' });
    assert.ok(!png.argv.includes('-q:v'));
  });
});
