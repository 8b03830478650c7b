import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseMode, DEFAULT_MODE_POLICY, deriveCapabilities, formatRank, fpsToInt, type ModeChoice } from '../../../src/discovery/mode-policy.js';
import { parseListFormatsExt, type PixelFormat } from '../../../src/discovery/v4l2-formats.js';
import { fixture, nodeDirs } from './fixture-tree.js';

const formatsOf = (name: string): PixelFormat[] => parseListFormatsExt(fixture(name).read('list-formats-ext.txt'));
const mode = (c: ModeChoice | null): string | null => (c === null ? null : `${c.format} ${c.width}x${c.height}@${c.fps}`);

/** Builds formats from a compact description: { MJPG: { '1920x1080': [30, 15] } }. */
function formats(spec: Record<string, Record<string, number[]>>, compressed: string[] = ['MJPG', 'H264', 'HEVC']): PixelFormat[] {
  return Object.entries(spec).map(([fourcc, sizes]) => ({
    fourcc,
    description: fourcc,
    compressed: compressed.includes(fourcc),
    emulated: false,
    flags: [],
    bufferType: 'Video Capture',
    sizes: Object.entries(sizes).map(([wh, fps]) => {
      const [w, h] = wh.split('x').map(Number) as [number, number];
      return { type: 'discrete' as const, width: w, height: h, intervalRanges: [], intervals: fps.map((f) => ({ num: 1, den: f, fps: f })) };
    }),
  }));
}

describe('chooseMode with the default policy on every fixture', () => {
  for (const dir of nodeDirs().filter((d) => d.has('list-formats-ext.txt'))) {
    it(`${dir.name}: the chosen mode is one the device offers, within limits when possible`, () => {
      const list = parseListFormatsExt(dir.read('list-formats-ext.txt'));
      const choice = chooseMode(list);
      if (list.every((f) => f.sizes.length === 0)) { assert.equal(choice, null); return; }
      assert.ok(choice);
      const f = list.find((x) => x.fourcc === choice.format);
      assert.ok(f, 'format offered');
      const s = f.sizes.find((x) => x.type === 'discrete' && x.width === choice.width && x.height === choice.height);
      assert.ok(s && s.type === 'discrete', 'size offered');
      assert.ok(s.intervals.some((i) => i.fps === choice.fps), 'frame rate offered');
      assert.ok(choice.interval && Math.abs(choice.interval.den / choice.interval.num - choice.fps) < 0.001);
      const anyFits = list.some((x) => x.sizes.some((y) => y.type === 'discrete' && y.width <= 1920 && y.height <= 1080));
      if (anyFits) assert.ok(choice.width <= 1920 && choice.height <= 1080, mode(choice)!);
      assert.notEqual(choice.reason, '');
    });
  }
});

describe('chooseMode: expectations per camera', () => {
  const cases: [string, string][] = [
    ['uvc/logitech-c920', 'H264 1920x1080@30'],
    ['uvc/elp-4k-usb-camera', 'MJPG 1920x1080@30'],
    ['uvc/arducam-1080p-h264/video8', 'MJPG 1920x1080@30'],
    ['uvc/arducam-1080p-h264/video10', 'H264 1920x1080@30'],
    ['uvc/logitech-c310', 'MJPG 1280x960@30'],
    ['uvc/elp-stereo-3d-usb-camera', 'MJPG 1600x600@30'],
    ['vivid/vivid-000-video-capture', 'YUYV 640x480@25'],
    ['v4l2loopback/loop-cam-streaming', 'YUYV 640x480@30'],
  ];
  for (const [name, expected] of cases) {
    it(`${name} → ${expected}`, () => assert.equal(mode(chooseMode(formatsOf(name))), expected));
  }

  it('explains the choice', () => {
    const c920 = chooseMode(formatsOf('uvc/logitech-c920'))!;
    assert.match(c920.reason, /^H264 1920x1080@30: preferred format, largest size within 1920x1080 reaching 25 fps/);
    assert.deepEqual(c920.interval, { num: 1, den: 30 });
    assert.equal(c920.compressed, true);
    const vivid = chooseMode(formatsOf('vivid/vivid-000-video-capture'))!;
    assert.match(vivid.reason, /best available format/);
  });

  it('vivid: 1920x1080 is offered but only at 5 fps, so 640x480 at 25 fps wins', () => {
    const list = formatsOf('vivid/vivid-000-video-capture');
    assert.equal(mode(chooseMode(list, { minFps: 5 })), 'YUYV 1920x1080@5');
  });
});

describe('chooseMode: configuration', () => {
  const c920 = () => formatsOf('uvc/logitech-c920');

  it('honours an explicit format, size and frame rate', () => {
    const c = chooseMode(c920(), { format: 'MJPG', width: 1280, height: 720, fps: 24 })!;
    assert.equal(mode(c), 'MJPG 1280x720@24');
    assert.deepEqual(c.interval, { num: 1, den: 24 });
    assert.match(c.reason, /configured MJPG 1280x720 24 fps/);
  });

  it('an explicit format alone: the default size and frame-rate rules apply within it', () => {
    const c = chooseMode(c920(), { format: 'yuyv' })!;
    assert.equal(mode(c), 'YUYV 800x448@30', 'largest YUYV size reaching 25 fps');
    assert.match(c.reason, /configured yuyv; /);
    assert.equal(mode(chooseMode(c920(), { format: 'YUYV', minFps: 5 })), 'YUYV 1920x1080@5');
    assert.equal(mode(chooseMode(c920(), { width: 2304, height: 1536 })), 'YUYV 2304x1536@2', 'an explicit size beyond the limit is honoured');
  });

  it('falls back to the defaults, saying so, when the configured mode is not offered', () => {
    const c = chooseMode(c920(), { format: 'H264', width: 2304, height: 1536 })!;
    assert.equal(mode(c), 'H264 1920x1080@30');
    assert.match(c.reason, /configured H264 2304x1536 is not offered/);
  });

  it('preference order, size limit and frame-rate goal are configurable', () => {
    assert.equal(mode(chooseMode(c920(), { preferredFormats: ['MJPG', 'H264'] })), 'MJPG 1920x1080@30');
    assert.equal(mode(chooseMode(c920(), { maxWidth: 1280, maxHeight: 720 })), 'H264 1280x720@30');
    assert.equal(mode(chooseMode(formatsOf('uvc/logitech-c310'), { preferredFormats: ['YUYV'] })), 'YUYV 752x416@25');
    assert.equal(mode(chooseMode(formatsOf('uvc/elp-stereo-3d-usb-camera'), { maxFps: 60 })), 'MJPG 1600x600@60');
  });

  it('the default policy is H264 > MJPG, 1920x1080, 25 fps', () => {
    assert.deepEqual(DEFAULT_MODE_POLICY.preferredFormats.slice(0, 2), ['H264', 'MJPG']);
    assert.deepEqual([DEFAULT_MODE_POLICY.maxWidth, DEFAULT_MODE_POLICY.maxHeight, DEFAULT_MODE_POLICY.minFps], [1920, 1080, 25]);
  });
});

describe('chooseMode: fallbacks', () => {
  it('nothing reaches 25 fps: the highest frame rate of the best format', () => {
    const c = chooseMode(formats({ YUYV: { '1920x1080': [5], '1280x720': [10], '640x480': [15, 10], '320x240': [15] } }))!;
    assert.equal(mode(c), 'YUYV 640x480@15');
    assert.match(c.reason, /no mode within 1920x1080 reaches 25 fps/);
  });

  it('nothing within the size limit: the smallest size above it', () => {
    const c = chooseMode(formats({ MJPG: { '3840x2160': [30], '2592x1944': [30, 15] } }))!;
    assert.equal(mode(c), 'MJPG 2592x1944@30');
    assert.match(c.reason, /no size within 1920x1080/);
  });

  it('format preference beats size: H264 at 720p over MJPEG at 1080p', () => {
    assert.equal(mode(chooseMode(formats({ MJPG: { '1920x1080': [30] }, H264: { '1280x720': [30] } }))), 'H264 1280x720@30');
  });

  it('raw formats rank after compressed ones, unknown compressed formats last', () => {
    assert.equal(mode(chooseMode(formats({ YUYV: { '1920x1080': [30] }, MJPG: { '640x480': [30] } }))), 'MJPG 640x480@30');
    assert.equal(mode(chooseMode(formats({ HEVC: { '1920x1080': [30] }, NV12: { '1280x720': [30] } }))), 'NV12 1280x720@30');
    assert.ok(formatRank('H264') < formatRank('MJPG'));
    assert.ok(formatRank({ fourcc: 'YUYV', compressed: false }) < formatRank({ fourcc: 'NV12', compressed: false }));
    assert.ok(formatRank({ fourcc: 'GREY', compressed: false }) < formatRank({ fourcc: 'HEVC', compressed: true }));
  });

  it('fractional and too-high frame rates', () => {
    assert.equal(mode(chooseMode(formats({ H264: { '1920x1080': [29.97, 14.985] } }))), 'H264 1920x1080@29.97');
    assert.equal(mode(chooseMode(formats({ MJPG: { '1280x720': [60] } }))), 'MJPG 1280x720@60', 'only 60 offered: 60');
    assert.equal(mode(chooseMode(formats({ MJPG: { '1280x720': [60, 30, 15] } }))), 'MJPG 1280x720@30', 'capped at 30 by default');
  });

  it('stepwise sizes: a representative size within the range, frame rate assumed', () => {
    const stepwise: PixelFormat[] = [{
      fourcc: 'YU12', description: 'Planar YUV 4:2:0', compressed: false, emulated: false, flags: [], bufferType: 'Video Capture',
      sizes: [{ type: 'stepwise', minWidth: 32, minHeight: 32, maxWidth: 2592, maxHeight: 1944, stepWidth: 2, stepHeight: 2 }],
    }];
    const c = chooseMode(stepwise)!;
    assert.equal(mode(c), 'YU12 1920x1080@30');
    assert.equal(c.fromRange, true);
    assert.equal(c.interval, null);
    assert.match(c.reason, /lists no frame rates/);
  });

  it('no formats: no mode', () => {
    assert.equal(chooseMode([]), null);
    assert.equal(chooseMode(formatsOf('vivid/vivid-000-metadata-capture')), null);
  });
});

describe('deriveCapabilities', () => {
  it('C920: formats in device order, resolutions largest first, whole fps', () => {
    const caps = deriveCapabilities(formatsOf('uvc/logitech-c920'));
    assert.deepEqual(caps.formats, ['YUYV', 'H264', 'MJPG']);
    assert.equal(caps.resolutions.length, 19);
    assert.equal(caps.resolutions[0], '2304x1536');
    assert.equal(caps.resolutions.at(-1), '160x90');
    assert.ok(caps.resolutions.includes('1920x1080'));
    assert.deepEqual(caps.fps_options, [30, 24, 20, 15, 10, 7, 5, 2]);
  });

  it('every fixture: unique, sorted lists covering every listed size', () => {
    for (const dir of nodeDirs().filter((d) => d.has('list-formats-ext.txt'))) {
      const list = parseListFormatsExt(dir.read('list-formats-ext.txt'));
      const caps = deriveCapabilities(list);
      assert.equal(new Set(caps.resolutions).size, caps.resolutions.length, dir.name);
      assert.equal(new Set(caps.formats).size, caps.formats.length, dir.name);
      const px = caps.resolutions.map((r) => r.split('x').map(Number) as [number, number]);
      for (let i = 1; i < px.length; i++) assert.ok(px[i - 1]![0] > px[i]![0] || (px[i - 1]![0] === px[i]![0] && px[i - 1]![1] > px[i]![1]), dir.name);
      for (let i = 1; i < caps.fps_options.length; i++) assert.ok(caps.fps_options[i - 1]! > caps.fps_options[i]!, dir.name);
      for (const f of list) for (const s of f.sizes) if (s.type === 'discrete') assert.ok(caps.resolutions.includes(`${s.width}x${s.height}`));
      for (const n of caps.fps_options) assert.ok(Number.isInteger(n) && n >= 1);
    }
  });

  it('stepwise and continuous ranges: common sizes within the range and step, plus the maximum', () => {
    const caps = deriveCapabilities([{
      fourcc: 'YU12', description: '', compressed: false, emulated: false, flags: [], bufferType: 'Video Capture',
      sizes: [{ type: 'stepwise', minWidth: 32, minHeight: 32, maxWidth: 2592, maxHeight: 1944, stepWidth: 16, stepHeight: 16 }],
    }]);
    assert.equal(caps.resolutions[0], '2592x1944');
    assert.ok(caps.resolutions.includes('1280x720'));
    assert.ok(!caps.resolutions.includes('1920x1080'), '1080 is not on the 16-line grid from 32');
    assert.ok(!caps.resolutions.includes('3840x2160'), 'outside the range');
    assert.deepEqual(caps.fps_options, []);
  });

  it('vivid: 83 formats, 6 sizes, 1–60 fps including 12.5 → 12', () => {
    const caps = deriveCapabilities(formatsOf('vivid/vivid-000-video-capture'));
    assert.equal(caps.formats.length, 83);
    assert.deepEqual(caps.resolutions, ['3840x2160', '1920x1080', '1280x720', '640x480', '640x360', '320x180']);
    assert.deepEqual(caps.fps_options, [60, 50, 40, 30, 25, 15, 12, 10, 5, 4, 2, 1]);
  });

  it('fpsToInt rounds to nearest, halves down', () => {
    assert.deepEqual([29.97, 7.5, 12.5, 23.976, 59.94, 0.5, 30].map(fpsToInt), [30, 7, 12, 24, 60, 0, 30]);
  });
});

describe('chooseMode: configured frame rate', () => {
  it('a configured fps alone picks the largest size offering it', () => {
    const c = chooseMode(formatsOf('uvc/logitech-c310'), { fps: 10, preferredFormats: ['YUYV'] })!;
    assert.equal(mode(c), 'YUYV 1184x656@10');
    assert.deepEqual(c.interval, { num: 1, den: 10 });
  });
});
