import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assembleCameras, isV4l2IdentityKey, type ProbedNode } from '../../../src/discovery/assemble.js';
import { parseListFormatsExt } from '../../../src/discovery/v4l2-formats.js';
import { parseV4l2Info } from '../../../src/discovery/v4l2-info.js';
import { fixture, nodeFacts } from './fixture-tree.js';

/** A node as discovery holds it after a successful probe of the recorded device. */
function probed(name: string, devnode: string): ProbedNode {
  const dir = fixture(name);
  return {
    ...nodeFacts(dir, devnode),
    probe: { info: parseV4l2Info(dir.read('info.txt')), formats: parseListFormatsExt(dir.read('list-formats-ext.txt')) },
  };
}

const vivid = () => [
  probed('vivid/vivid-000-video-capture', '/dev/video0'),
  probed('vivid/vivid-000-metadata-capture', '/dev/video1'),
  probed('vivid/vivid-001-video-capture', '/dev/video2'),
];

describe('assembleCameras on recorded vivid and v4l2loopback nodes', () => {
  it('two vivid instances (one with a metadata node) are exactly two cameras, in node order', () => {
    const cams = assembleCameras(vivid());
    assert.equal(cams.length, 2);
    assert.deepEqual(cams.map((c) => [c.status, c.primary, c.identity.key]), [
      ['CONNECTED', '/dev/video0', 'bus:platform:vivid-000|card:vivid'],
      ['CONNECTED', '/dev/video2', 'bus:platform:vivid-001|card:vivid'],
    ]);
    assert.deepEqual(cams.map((c) => c.name), ['vivid', 'vivid']);
  });

  it('the metadata node is listed in the camera it belongs to, not as a capture node', () => {
    const [first, second] = assembleCameras(vivid());
    assert.deepEqual(first!.nodes.map((n) => [n.devnode, n.kind, n.capture, n.primary]), [
      ['/dev/video0', 'video-capture', true, true],
      ['/dev/video1', 'metadata-capture', false, false],
    ]);
    assert.deepEqual(second!.nodes.map((n) => n.devnode), ['/dev/video2']);
  });

  it('capabilities are the formats, sizes and frame rates the device lists', () => {
    const [cam] = assembleCameras(vivid());
    const text = fixture('vivid/vivid-000-video-capture').read('list-formats-ext.txt');
    const fourccs = [...text.matchAll(/\[\d+\]: '([^']+)'/g)].map((m) => m[1]!.trim());
    const sizes = new Set([...text.matchAll(/Size: Discrete (\d+x\d+)/g)].map((m) => m[1]!));
    // whole frame rates; halves round down (12.5 fps -> 12)
    const fps = new Set([...text.matchAll(/\(([\d.]+) fps\)/g)].map((m) => Math.ceil(Number(m[1]) - 0.5)));
    assert.deepEqual(cam!.capabilities!.formats, fourccs);
    assert.deepEqual(new Set(cam!.capabilities!.resolutions), sizes);
    assert.deepEqual(new Set(cam!.capabilities!.fps_options), fps);
    assert.equal(cam!.capabilities!.resolutions[0], '3840x2160', 'largest first');
  });

  it('the mode follows the policy: best raw format, largest size within the limit at >= min fps', () => {
    // vivid: 1920x1080 reaches 5 fps, 1280x720 12.5 fps, 640x480 25 fps
    const [cam] = assembleCameras(vivid());
    assert.deepEqual([cam!.mode!.format, cam!.mode!.width, cam!.mode!.height, cam!.mode!.fps], ['YUYV', 640, 480, 25]);
    const slow = assembleCameras(vivid(), { minFps: 5 })[0]!;
    assert.deepEqual([slow.mode!.width, slow.mode!.height, slow.mode!.fps], [1920, 1080, 5]);
    const small = assembleCameras(vivid(), { maxWidth: 320, maxHeight: 240 })[0]!;
    assert.deepEqual([small.mode!.width, small.mode!.height], [320, 180]);
    const grey = assembleCameras(vivid(), { preferredFormats: ['GREY'] })[0]!;
    assert.equal(grey.mode!.format, 'GREY');
  });

  it('an idle v4l2loopback (output only) is no camera; with a writer it is one', () => {
    assert.deepEqual(assembleCameras([probed('v4l2loopback/loop-cam-idle', '/dev/video3')]), []);
    const [loop] = assembleCameras([probed('v4l2loopback/loop-cam-streaming', '/dev/video3')]);
    assert.equal(loop!.status, 'CONNECTED');
    assert.equal(loop!.identity.key, 'bus:platform:v4l2loopback-000|card:Loop Cam');
    assert.deepEqual([loop!.mode!.format, loop!.mode!.width, loop!.mode!.height], ['YUYV', 640, 480]);
    assert.deepEqual(loop!.capabilities!.resolutions, ['640x480']);
  });

  it('renumbered nodes keep their identity', () => {
    const a = assembleCameras(vivid()).map((c) => c.identity.key);
    const b = assembleCameras([
      probed('vivid/vivid-001-video-capture', '/dev/video4'),
      probed('vivid/vivid-000-video-capture', '/dev/video5'),
      probed('vivid/vivid-000-metadata-capture', '/dev/video6'),
    ]).map((c) => c.identity.key);
    assert.deepEqual(new Set(b), new Set(a));
  });
});

describe('assembleCameras: several capture nodes, failures', () => {
  it('a UVC camera with an H264 node and an MJPG/YUYV node is one camera captured from the H264 node', () => {
    const cams = assembleCameras([
      probed('uvc/arducam-1080p-h264/video8', '/dev/video8'),
      probed('uvc/arducam-1080p-h264/video10', '/dev/video10'),
    ]);
    assert.equal(cams.length, 1);
    const [cam] = cams;
    assert.equal(cam!.primary, '/dev/video10');
    assert.equal(cam!.mode!.format, 'H264');
    assert.deepEqual(cam!.capabilities!.formats, ['MJPG', 'YUYV', 'H264'], 'capabilities cover every capture node');
    assert.deepEqual(cam!.nodes.map((n) => [n.devnode, n.primary]), [['/dev/video8', false], ['/dev/video10', true]]);
  });

  it('a USB node whose probe failed is an ERROR camera (its identity comes from sysfs)', () => {
    const failed: ProbedNode = {
      devnode: '/dev/video0',
      sysfsPath: '/sys/devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.0',
      usb: { vendorId: '046d', productId: '082d', serial: 'B61DEDAF' },
      error: 'v4l2-ctl did not finish within 5000 ms',
    };
    const [cam] = assembleCameras([failed]);
    assert.equal(cam!.status, 'ERROR');
    assert.equal(cam!.error, 'v4l2-ctl did not finish within 5000 ms');
    assert.equal(cam!.identity.key, 'usb:046d:082d:serial:B61DEDAF');
    assert.equal(cam!.primary, null);
  });

  it('a failed node udev calls non-capture, or a non-USB node never probed, is no camera', () => {
    const meta: ProbedNode = {
      devnode: '/dev/video1',
      sysfsPath: '/sys/devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.0',
      usb: { vendorId: '046d', productId: '082d' },
      udev: { ID_V4L_CAPABILITIES: ':' },
      error: 'v4l2-ctl exited with 1',
    };
    const virtual: ProbedNode = { devnode: '/dev/video3', sysfsPath: '/sys/devices/virtual/video4linux/video3', error: 'v4l2-ctl exited with 1' };
    assert.deepEqual(assembleCameras([meta, virtual]), []);
  });

  it('a known non-USB camera whose re-probe failed stays identified, in ERROR', () => {
    const node = { ...probed('vivid/vivid-000-video-capture', '/dev/video0'), error: 'v4l2-ctl exited with 1' };
    const [cam] = assembleCameras([node]);
    assert.deepEqual([cam!.status, cam!.identity.key], ['ERROR', 'bus:platform:vivid-000|card:vivid']);
  });

  it('a capture node with no formats is an ERROR camera', () => {
    const node = probed('vivid/vivid-000-video-capture', '/dev/video0');
    node.probe!.formats = [];
    const [cam] = assembleCameras([node]);
    assert.deepEqual([cam!.status, cam!.error], ['ERROR', 'the device offers no capture formats']);
  });

  it('identity keys of V4L2 devices are told apart from other camera sources', () => {
    for (const k of ['usb:046d:082d:serial:X', 'usb@port:0000:00:14.0-3', 'bus:platform:vivid-000|card:vivid']) assert.ok(isV4l2IdentityKey(k), k);
    assert.equal(isV4l2IdentityKey('test-pattern:demo'), false);
  });
});
