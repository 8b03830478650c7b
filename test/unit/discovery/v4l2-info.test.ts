import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeCapabilities, parseListDevices, parseV4l2Info, V4l2ParseError, V4L2_CAP } from '../../../src/discovery/v4l2-info.js';
import { fixture, listDevicesFiles, nodeDirs } from './fixture-tree.js';

/** Capability names v4l2-ctl printed under a "Capabilities"/"Device Caps" line. */
function printedNames(text: string, field: 'Capabilities' | 'Device Caps'): string[] | null {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => new RegExp(`^\\s*${field}\\s*:`).test(l));
  if (at < 0) return null;
  const indent = /^\s*/.exec(lines[at]!)![0].length;
  const names: string[] = [];
  for (const l of lines.slice(at + 1)) {
    const ind = /^\s*/.exec(l)![0].length;
    if (l.trim() === '' || ind <= indent || l.includes(':')) break;
    names.push(l.trim());
  }
  return names;
}

describe('parseV4l2Info on every fixture', () => {
  const dirs = nodeDirs().filter((d) => d.has('info.txt'));
  it('finds info fixtures (vivid, v4l2loopback, uvc)', () => {
    const names = dirs.map((d) => d.name);
    for (const prefix of ['vivid/', 'v4l2loopback/', 'uvc/']) assert.ok(names.some((n) => n.startsWith(prefix)), `no info.txt under ${prefix}`);
  });
  for (const dir of dirs) {
    it(`${dir.name}: fields present, capability names match what v4l2-ctl printed`, () => {
      const text = dir.read('info.txt');
      const info = parseV4l2Info(text);
      assert.notEqual(info.driver, '');
      assert.notEqual(info.card, '');
      assert.notEqual(info.busInfo, '');
      assert.deepEqual([...info.capabilityNames].sort(), [...printedNames(text, 'Capabilities')!].sort());
      const dev = printedNames(text, 'Device Caps');
      if (dev !== null) {
        assert.notEqual(info.deviceCaps, null);
        assert.deepEqual([...info.deviceCapNames].sort(), [...dev].sort());
        assert.equal(info.nodeCaps, info.deviceCaps);
        assert.equal((info.nodeCaps & V4L2_CAP.DEVICE_CAPS) >>> 0, 0, 'device caps never carry the DEVICE_CAPS bit');
      }
      assert.deepEqual(info.noise, [], 'a clean --info output leaves no noise');
    });
  }
});

describe('parseV4l2Info specifics', () => {
  it('UVC C920: identity fields and media serial', () => {
    const info = parseV4l2Info(fixture('uvc/logitech-c920').read('info.txt'));
    assert.equal(info.driver, 'uvcvideo');
    assert.equal(info.card, 'HD Pro Webcam C920');
    assert.equal(info.busInfo, 'usb-0000:0a:00.3-3');
    assert.equal(info.driverVersion, '6.5.7');
    assert.equal(info.capabilities, 0x84a00001);
    assert.equal(info.deviceCaps, 0x04200001);
    assert.equal(info.media?.serial, 'B61DEDAF');
    assert.equal(info.media?.model, 'HD Pro Webcam C920');
    assert.deepEqual(info.entity, { name: 'HD Pro Webcam C920', function: 'V4L2 I/O' });
  });

  it('vivid: the second instance reports its own bus info although its media device says vivid-000', () => {
    const info = parseV4l2Info(fixture('vivid/vivid-001-video-capture').read('info.txt'));
    assert.equal(info.busInfo, 'platform:vivid-001');
    assert.equal(info.media?.busInfo, 'platform:vivid-000');
    assert.equal(info.media?.serial, '');
    assert.equal(info.entity, null, 'v4l2-ctl stopped before Entity Info (topology failure)');
  });

  it('tolerates the "FAIL ... topology" line when stderr is merged into stdout', () => {
    const dir = fixture('vivid/vivid-001-video-capture');
    const merged = `${dir.read('info.txt')}${dir.read('info.txt.stderr')}`;
    const info = parseV4l2Info(merged);
    assert.equal(info.busInfo, 'platform:vivid-001');
    assert.equal(info.deviceCaps, 0x05230005);
    assert.ok(info.noise.some((l) => l.startsWith('FAIL') && l.includes('topology')), JSON.stringify(info.noise));
  });

  it('vivid metadata node: device caps differ from the device-wide capabilities', () => {
    const info = parseV4l2Info(fixture('vivid/vivid-000-metadata-capture').read('info.txt'));
    assert.equal(info.capabilities, 0x85a30005);
    assert.equal(info.nodeCaps, 0x05a30000);
    assert.ok(info.deviceCapNames.includes('Metadata Capture'));
    assert.ok(!info.deviceCapNames.includes('Video Capture'));
  });

  it('v4l2loopback flips from output to capture when a writer attaches', () => {
    const idle = parseV4l2Info(fixture('v4l2loopback/loop-cam-idle').read('info.txt'));
    const streaming = parseV4l2Info(fixture('v4l2loopback/loop-cam-streaming').read('info.txt'));
    assert.equal(idle.card, 'Loop Cam');
    assert.equal(idle.busInfo, 'platform:v4l2loopback-000');
    assert.deepEqual(idle.deviceCapNames, ['Video Output', 'Read/Write', 'Streaming', 'Extended Pix Format']);
    assert.deepEqual(streaming.deviceCapNames, ['Video Capture', 'Read/Write', 'Streaming', 'Extended Pix Format']);
  });

  it('stops at the end of the info block of a combined -D --list-formats-ext / --all dump', () => {
    const text = `${fixture('uvc/logitech-c920').read('info.txt')}Priority: 2\nVideo input : 0 (Camera 1: ok)\nFormat Video Capture:\n\tWidth/Height      : 640/480\n${fixture('uvc/logitech-c920').read('list-formats-ext.txt')}`;
    const info = parseV4l2Info(text);
    assert.equal(info.card, 'HD Pro Webcam C920');
    assert.deepEqual(info.noise, []);
  });

  it('accepts the pre-media-controller layout without Device Caps', () => {
    // Layout of v4l-utils < 1.0 / drivers without device caps (as posted for a C920 on kernel 3.8).
    const text = [
      'Driver Info (not using libv4l2):',
      '\tDriver name   : uvcvideo',
      '\tCard type     : HD Pro Webcam C920',
      '\tBus info      : usb-musb-hdrc.1.auto-1',
      '\tDriver version: 3.8.13',
      '\tCapabilities  : 0x84000001',
      '\t\tVideo Capture',
      '\t\tStreaming',
      'Format Video Capture:',
      '\tWidth/Height  : 1920/1080',
    ].join('\n');
    const info = parseV4l2Info(text);
    assert.equal(info.driverVersion, '3.8.13');
    assert.equal(info.deviceCaps, null);
    assert.equal(info.nodeCaps, 0x84000001);
    assert.equal(info.media, null);
  });

  it('rejects text without a Driver Info block or without capabilities', () => {
    assert.throws(() => parseV4l2Info('Cannot open device /dev/video9, exiting.\n'), V4l2ParseError);
    assert.throws(() => parseV4l2Info('Driver Info:\n\tDriver name      : uvcvideo\n'), V4l2ParseError);
  });
});

describe('decodeCapabilities', () => {
  it('names known bits and shows unknown ones as hex', () => {
    assert.deepEqual(decodeCapabilities(0x04200001), ['Video Capture', 'Streaming', 'Extended Pix Format']);
    assert.deepEqual(decodeCapabilities(0x00001000 | 0x04000000), ['Video Capture Multiplanar', 'Streaming']);
    assert.deepEqual(decodeCapabilities(0x40000000), ['0x40000000']);
    assert.deepEqual(decodeCapabilities(0), []);
  });
});

describe('parseListDevices on every fixture', () => {
  const files = listDevicesFiles();
  it('finds list-devices fixtures', () => assert.ok(files.length >= 5, `${files.length} files`));
  for (const f of files) {
    it(`${f.name}: every /dev node line lands in a group with a bus info`, () => {
      const groups = parseListDevices(f.text);
      const nodeLines = f.text.split('\n').filter((l) => /^\s+\/dev\//.test(l)).length;
      assert.equal(groups.reduce((n, g) => n + g.videoNodes.length + g.otherNodes.length, 0), nodeLines);
      for (const g of groups) {
        assert.notEqual(g.busInfo, '', `group "${g.name}"`);
        for (const n of g.videoNodes) assert.match(n, /^\/dev\/video\d+$/);
      }
    });
  }
});

describe('parseListDevices specifics', () => {
  it('vivid: two instances, the first with two video nodes', () => {
    const groups = parseListDevices(fixture('vivid').read('list-devices.txt'));
    assert.deepEqual(groups, [
      { name: 'vivid', busInfo: 'platform:vivid-000', videoNodes: ['/dev/video0', '/dev/video1'], otherNodes: ['/dev/media0'] },
      { name: 'vivid', busInfo: 'platform:vivid-001', videoNodes: ['/dev/video2'], otherNodes: ['/dev/media1'] },
    ]);
  });

  it('Arducam H.264: one USB device with four video nodes', () => {
    const [g, ...rest] = parseListDevices(fixture('uvc/arducam-1080p-h264').read('list-devices.txt'));
    assert.equal(rest.length, 0);
    assert.equal(g!.name, 'USB 2.0 Camera: USB Camera');
    assert.equal(g!.busInfo, 'usb-xhci-hcd.0-1');
    assert.deepEqual(g!.videoNodes, ['/dev/video8', '/dev/video9', '/dev/video10', '/dev/video11']);
  });

  it('C922 listing shortened with "...": skips the ellipsis, keeps the three groups', () => {
    const groups = parseListDevices(fixture('uvc/logitech-c922').read('list-devices.txt'));
    assert.deepEqual(groups.map((g) => [g.name, g.busInfo, g.videoNodes.length]), [
      ['rpi-hevc-dec', 'platform:rpi-hevc-dec', 1],
      ['Logi 4K Stream Edition', 'usb-xhci-hcd.0-1', 4],
      ['C922 Pro Stream Webcam', 'usb-xhci-hcd.0-2', 2],
    ]);
  });

  it('ELP stereo on a Pi 5: non-camera platform groups are listed too', () => {
    const groups = parseListDevices(fixture('uvc/elp-stereo-3d-usb-camera').read('list-devices.txt'));
    assert.deepEqual(groups.map((g) => g.busInfo), ['platform:1000880000.pisp_be', 'platform:rpivid', 'usb-xhci-hcd.0-1.1']);
    assert.equal(groups[0]!.videoNodes.length, 18);
    assert.deepEqual(groups[0]!.otherNodes, ['/dev/media1', '/dev/media2']);
  });

  it('ignores "Cannot open device" lines', () => {
    const dir = fixture('v4l2loopback/loop-cam-idle');
    const groups = parseListDevices(`${dir.read('list-devices.txt')}${dir.read('list-devices.txt.stderr')}`);
    assert.deepEqual(groups, [{ name: 'Loop Cam', busInfo: 'platform:v4l2loopback-000', videoNodes: ['/dev/video3'], otherNodes: [] }]);
  });
});
