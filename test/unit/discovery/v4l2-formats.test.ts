import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { intervalFromFps, maxFpsOf, parseListFormatsExt, type DiscreteSize, type PixelFormat } from '../../../src/discovery/v4l2-formats.js';
import { fixture, nodeDirs } from './fixture-tree.js';

const discrete = (f: PixelFormat | undefined): DiscreteSize[] => (f?.sizes ?? []).filter((s): s is DiscreteSize => s.type === 'discrete');
const size = (f: PixelFormat | undefined, w: number, h: number): DiscreteSize | undefined => discrete(f).find((s) => s.width === w && s.height === h);
const fpsList = (s: DiscreteSize | undefined): number[] => (s?.intervals ?? []).map((i) => i.fps);
const byFourcc = (formats: PixelFormat[], fourcc: string): PixelFormat | undefined => formats.find((f) => f.fourcc === fourcc);

describe('parseListFormatsExt on every fixture', () => {
  const dirs = nodeDirs().filter((d) => d.has('list-formats-ext.txt'));
  it('finds format fixtures (vivid, v4l2loopback, at least five UVC nodes)', () => {
    const names = dirs.map((d) => d.name);
    assert.ok(names.some((n) => n.startsWith('vivid/')));
    assert.ok(names.some((n) => n.startsWith('v4l2loopback/')));
    assert.ok(names.filter((n) => n.startsWith('uvc/')).length >= 5, names.join(', '));
  });
  for (const dir of dirs) {
    it(`${dir.name}: one entry per listed format, consistent sizes and intervals`, () => {
      const text = dir.read('list-formats-ext.txt');
      const formats = parseListFormatsExt(text);
      const listed = text.split('\n').filter((l) => /^\s*\[\d+\]:\s*'/.test(l) || /^\s*Pixel Format\s*:/.test(l)).length;
      assert.equal(formats.length, listed);
      const sizeLines = text.split('\n').filter((l) => /^\s*Size:/.test(l)).length;
      const parsedSizes = formats.reduce((n, f) => n + f.sizes.length, 0);
      assert.ok(parsedSizes <= sizeLines && (sizeLines === 0 || parsedSizes > 0), `${parsedSizes} parsed of ${sizeLines} lines`);
      for (const f of formats) {
        assert.match(f.fourcc, /^\S(.*\S)?$/, 'fourcc trimmed');
        assert.notEqual(f.description, '');
        assert.ok(!f.flags.includes('compressed') && !f.flags.includes('emulated'));
        const keys = new Set<string>();
        for (const s of f.sizes) {
          if (s.type !== 'discrete') {
            assert.ok(s.minWidth <= s.maxWidth && s.minHeight <= s.maxHeight && s.stepWidth >= 1 && s.stepHeight >= 1);
            continue;
          }
          assert.ok(s.width > 0 && s.height > 0);
          const key = `${s.width}x${s.height}`;
          assert.ok(!keys.has(key), `duplicate size ${key} in ${f.fourcc}`);
          keys.add(key);
          const seen = new Set<string>();
          for (const i of s.intervals) {
            assert.ok(i.num > 0 && i.den > 0 && i.fps > 0);
            assert.ok(Math.abs(i.den / i.num - i.fps) < 0.001, `${i.num}/${i.den} vs ${i.fps} fps`);
            assert.ok(!seen.has(`${i.num}/${i.den}`), 'duplicate interval');
            seen.add(`${i.num}/${i.den}`);
          }
        }
      }
    });
  }
});

describe('parseListFormatsExt: UVC cameras', () => {
  it('Logitech C920: YUYV, H264, MJPG with fractional 7.5 fps and the YUYV bandwidth limit', () => {
    const formats = parseListFormatsExt(fixture('uvc/logitech-c920').read('list-formats-ext.txt'));
    assert.deepEqual(formats.map((f) => [f.fourcc, f.description, f.compressed]), [
      ['YUYV', 'YUYV 4:2:2', false],
      ['H264', 'H.264', true],
      ['MJPG', 'Motion-JPEG', true],
    ]);
    const yuyv = byFourcc(formats, 'YUYV');
    assert.equal(discrete(yuyv).length, 19);
    assert.deepEqual(fpsList(size(yuyv, 1920, 1080)), [5]);
    assert.deepEqual(fpsList(size(yuyv, 2304, 1536)), [2]);
    const i75 = size(yuyv, 640, 480)!.intervals.find((i) => i.fps === 7.5)!;
    assert.deepEqual([i75.num, i75.den], [2, 15]);
    assert.deepEqual(fpsList(size(byFourcc(formats, 'H264'), 1920, 1080)), [30, 24, 20, 15, 10, 7.5, 5]);
    assert.equal(size(byFourcc(formats, 'H264'), 2304, 1536), undefined, 'H264 stops at 1920x1080');
  });

  it('ELP 4K: MJPEG up to 3840x2160 at 30 fps, YUYV 1 fps at 4K', () => {
    const formats = parseListFormatsExt(fixture('uvc/elp-4k-usb-camera').read('list-formats-ext.txt'));
    assert.deepEqual(formats.map((f) => f.fourcc), ['MJPG', 'YUYV']);
    assert.equal(maxFpsOf(size(byFourcc(formats, 'MJPG'), 3840, 2160)!), 30);
    assert.deepEqual(fpsList(size(byFourcc(formats, 'YUYV'), 3840, 2160)), [1]);
    assert.deepEqual(fpsList(size(byFourcc(formats, 'YUYV'), 1920, 1080)), [3]);
  });

  it('Arducam H.264: duplicate sizes and intervals listed by the firmware are merged', () => {
    const mjpgNode = parseListFormatsExt(fixture('uvc/arducam-1080p-h264/video8').read('list-formats-ext.txt'));
    const mjpg = byFourcc(mjpgNode, 'MJPG');
    assert.deepEqual(discrete(mjpg).map((s) => `${s.width}x${s.height}`), ['1920x1080', '1280x720', '640x480', '320x240']);
    assert.deepEqual(fpsList(size(mjpg, 1920, 1080)), [30]);
    assert.deepEqual(discrete(byFourcc(mjpgNode, 'YUYV')).map((s) => `${s.width}x${s.height}`), ['640x480', '320x240']);
    const h264Node = parseListFormatsExt(fixture('uvc/arducam-1080p-h264/video10').read('list-formats-ext.txt'));
    assert.deepEqual(h264Node.map((f) => [f.fourcc, f.compressed]), [['H264', true]]);
    assert.deepEqual(discrete(h264Node[0]).map((s) => `${s.width}x${s.height}`), ['1920x1080', '1280x720', '640x480', '640x360']);
  });

  it('Logitech C310: the pre-1.14 layout (Index / Pixel Format / Name), space-indented', () => {
    const formats = parseListFormatsExt(fixture('uvc/logitech-c310').read('list-formats-ext.txt'));
    assert.deepEqual(formats.map((f) => [f.fourcc, f.description, f.compressed, f.bufferType]), [
      ['YUYV', 'YUYV 4:2:2', false, 'Video Capture'],
      ['MJPG', 'Motion-JPEG', true, 'Video Capture'],
    ]);
    assert.equal(discrete(formats[0]).length, 19);
    assert.equal(discrete(formats[1]).length, 19);
    assert.deepEqual(fpsList(size(formats[0], 1280, 720)), [7.5, 5]);
    assert.deepEqual(fpsList(size(formats[0], 752, 416)), [25, 20, 15, 10, 5]);
    assert.deepEqual(fpsList(size(formats[1], 1280, 960)), [30, 25, 20, 15, 10, 5]);
  });

  it('ELP stereo: side-by-side sizes with 120 fps MJPEG', () => {
    const formats = parseListFormatsExt(fixture('uvc/elp-stereo-3d-usb-camera').read('list-formats-ext.txt'));
    assert.deepEqual(discrete(formats[0]).map((s) => `${s.width}x${s.height}`), ['3200x1200', '2560x720', '1600x600', '1280x480', '640x240']);
    assert.equal(maxFpsOf(size(formats[0], 1600, 600)!), 120);
    const i120 = size(formats[0], 1600, 600)!.intervals[0]!;
    assert.deepEqual([i120.num, i120.den, i120.fps], [1, 120, 120]);
  });
});

describe('parseListFormatsExt: virtual devices', () => {
  it('vivid: 83 formats including big-endian fourccs, 6 sizes each, 12.5 fps as 2/25', () => {
    const formats = parseListFormatsExt(fixture('vivid/vivid-000-video-capture').read('list-formats-ext.txt'));
    assert.equal(formats.length, 83);
    assert.ok(formats.some((f) => f.fourcc === 'Y16 -BE'), 'fourcc with the -BE suffix');
    assert.ok(formats.some((f) => f.fourcc === 'Y10'), 'trailing space of "Y10 " trimmed');
    const yuyv = byFourcc(formats, 'YUYV')!;
    assert.equal(yuyv.description, 'YUYV 4:2:2');
    assert.deepEqual(yuyv.flags, ['csc-colorspace', 'csc-ycbcr', 'csc-quantization', 'csc-xfer-func']);
    assert.equal(yuyv.compressed, false);
    for (const f of formats) assert.equal(discrete(f).length, 6, f.fourcc);
    const i = size(yuyv, 640, 480)!.intervals.find((x) => x.fps === 12.5)!;
    assert.deepEqual([i.num, i.den], [2, 25]);
    // vivid lowers the frame-rate ceiling as the size grows
    assert.deepEqual(discrete(yuyv).map((s) => [`${s.width}x${s.height}`, maxFpsOf(s)]), [
      ['320x180', 60], ['640x360', 40], ['640x480', 25], ['1280x720', 12.5], ['1920x1080', 5], ['3840x2160', 2],
    ]);
  });

  it('metadata node and idle loopback list no capture formats', () => {
    assert.deepEqual(parseListFormatsExt(fixture('vivid/vivid-000-metadata-capture').read('list-formats-ext.txt')), []);
    assert.deepEqual(parseListFormatsExt(fixture('v4l2loopback/loop-cam-idle').read('list-formats-ext.txt')), []);
  });

  it('streaming loopback: the writer\'s format', () => {
    const formats = parseListFormatsExt(fixture('v4l2loopback/loop-cam-streaming').read('list-formats-ext.txt'));
    assert.equal(formats.length, 1);
    assert.equal(formats[0]!.fourcc, 'YUYV');
    assert.deepEqual(fpsList(size(formats[0], 640, 480)), [30]);
  });
});

describe('parseListFormatsExt: layouts the fixtures do not cover', () => {
  it('stepwise and continuous sizes, stepwise and continuous intervals, HEVC, multiplanar, emulated', () => {
    const text = [
      'ioctl: VIDIOC_ENUM_FMT',
      '\tType: Video Capture Multiplanar',
      '',
      "\t[0]: 'YU12' (Planar YUV 4:2:0)",
      '\t\tSize: Stepwise 32x32 - 2592x1944 with step 2/2',
      "\t[1]: 'HEVC' (HEVC, compressed)",
      '\t\tSize: Continuous 64x64 - 4096x2304',
      "\t[2]: 'RGB3' (24-bit RGB 8-8-8, emulated)",
      '\t\tSize: Discrete 1280x720',
      '\t\t\tInterval: Stepwise 0.033s - 1.000s with step 0.033s (1.000-30.000 fps)',
      '\t\tSize: Discrete 640x480',
      '\t\t\tInterval: Continuous 0.017s - 1.000s (1.000-60.000 fps)',
      "\t[3]: 'H264' (H.264, compressed, continuous-bytestream)",
      '\t\tSize: Discrete 1920x1080',
      '\t\t\tInterval: Discrete 0.033s (29.970 fps)',
      '\t\t\tInterval: Discrete 0.042s (23.976 fps)',
    ].join('\n');
    const formats = parseListFormatsExt(text);
    assert.deepEqual(formats.map((f) => [f.fourcc, f.compressed, f.emulated, f.bufferType]), [
      ['YU12', false, false, 'Video Capture Multiplanar'],
      ['HEVC', true, false, 'Video Capture Multiplanar'],
      ['RGB3', false, true, 'Video Capture Multiplanar'],
      ['H264', true, false, 'Video Capture Multiplanar'],
    ]);
    assert.deepEqual(formats[0]!.sizes, [{ type: 'stepwise', minWidth: 32, minHeight: 32, maxWidth: 2592, maxHeight: 1944, stepWidth: 2, stepHeight: 2 }]);
    assert.deepEqual(formats[1]!.sizes, [{ type: 'continuous', minWidth: 64, minHeight: 64, maxWidth: 4096, maxHeight: 2304, stepWidth: 1, stepHeight: 1 }]);
    const [s720, s480] = discrete(formats[2]);
    assert.equal(s720!.intervalRanges[0]!.type, 'stepwise');
    assert.equal(s720!.intervalRanges[0]!.min.fps, 30);
    assert.equal(s720!.intervalRanges[0]!.max.fps, 1);
    assert.equal(s480!.intervalRanges[0]!.type, 'continuous');
    assert.equal(maxFpsOf(s480!), 60);
    assert.deepEqual(formats[3]!.flags, ['continuous-bytestream']);
    const [i2997, i23976] = discrete(formats[3])[0]!.intervals;
    assert.deepEqual([i2997!.num, i2997!.den, i2997!.fps], [1001, 30000, 29.97]);
    assert.deepEqual([i23976!.num, i23976!.den, i23976!.fps], [1001, 24000, 23.976]);
  });

  it('skips noise: -D driver info before the listing, warnings, elisions', () => {
    const text = [
      'Driver Info:',
      '\tDriver name      : uvcvideo',
      'Interface Info:',
      '\tType             : V4L Video',
      'ioctl: VIDIOC_ENUM_FMT',
      '\tType: Video Capture',
      '',
      "\t[0]: 'MJPG' (Motion-JPEG, compressed)",
      '\t\tSize: Discrete 1280x720',
      '\t\t\tInterval: Discrete 0.033s (30.000 fps)',
      '...',
      'VIDIOC_ENUM_FRAMEINTERVALS: failed: Inappropriate ioctl for device',
      '\t\tSize: Discrete 640x480',
    ].join('\n');
    const formats = parseListFormatsExt(text);
    assert.equal(formats.length, 1);
    assert.equal(formats[0]!.bufferType, 'Video Capture');
    assert.deepEqual(discrete(formats[0]).map((s) => [s.width, s.height, s.intervals.length]), [[1280, 720, 1], [640, 480, 0]]);
  });

  it('old layout with flags in the Pixel Format parenthesis', () => {
    const text = [
      'ioctl: VIDIOC_ENUM_FMT',
      '\tIndex       : 0',
      '\tType        : Video Capture',
      "\tPixel Format: 'H264' (compressed)",
      '\tName        : H.264',
      '\t\tSize: Discrete 1920x1080',
      '\t\t\tInterval: Discrete 0.033s (30.000 fps)',
      '',
      '\tIndex       : 1',
      '\tType        : Video Capture',
      "\tPixel Format: 'YUYV'",
      '\tName        : YUYV 4:2:2',
    ].join('\n');
    const formats = parseListFormatsExt(text);
    assert.deepEqual(formats.map((f) => [f.fourcc, f.description, f.compressed, f.flags]), [['H264', 'H.264', true, []], ['YUYV', 'YUYV 4:2:2', false, []]]);
  });
});

describe('intervalFromFps', () => {
  it('reconstructs exact fractions from three-decimal fps figures', () => {
    assert.deepEqual(intervalFromFps(30), { num: 1, den: 30 });
    assert.deepEqual(intervalFromFps(7.5), { num: 2, den: 15 });
    assert.deepEqual(intervalFromFps(0.5), { num: 2, den: 1 });
    assert.deepEqual(intervalFromFps(29.97), { num: 1001, den: 30000 });
    assert.deepEqual(intervalFromFps(59.94), { num: 1001, den: 60000 });
    assert.deepEqual(intervalFromFps(12.5), { num: 2, den: 25 });
    assert.deepEqual(intervalFromFps(0), { num: 0, den: 0 });
  });
});
