import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  displayName, groupNodes, identifyNode, isUsableSerial, nodeIndex, pickPrimaryNode,
  usbPortFromBusInfo, usbPortFromIdPath, usbPortFromSysfs, type NodeFacts,
} from '../../../src/discovery/identity.js';
import { formatRank } from '../../../src/discovery/mode-policy.js';
import { parseUdevadmInfo } from '../../../src/discovery/udev-info.js';
import { parseListFormatsExt } from '../../../src/discovery/v4l2-formats.js';
import { fixture, nodeFacts } from './fixture-tree.js';

/**
 * A USB camera node as the discovery shell would describe it: udev properties shaped like
 * `udevadm info` of real UVC cameras, the sysfs path, and the v4l2-ctl bus info.
 */
function usbNode(o: {
  devnode: string; controller?: string; pciPath?: string; devpath: string; vid: string; pid: string;
  serial?: string; card?: string; index?: number; withUdev?: boolean;
}): NodeFacts {
  const controller = o.controller ?? '0000:00:14.0';
  const pciPath = o.pciPath ?? `pci0000:00/${controller}`;
  const bus = 1;
  const usbDev = `${bus}-${o.devpath}`;
  const sysfsPath = `/sys/devices/${pciPath}/usb${bus}/${usbDev}/${usbDev}:1.0`;
  const idPath = `pci-${controller}-usb-0:${o.devpath}:1.0`;
  const facts: NodeFacts = {
    devnode: o.devnode,
    driver: 'uvcvideo',
    card: o.card ?? 'USB Camera',
    busInfo: `usb-${controller}-${o.devpath}`,
    indexInDevice: o.index ?? 0,
    sysfsPath,
    usb: { vendorId: o.vid, productId: o.pid, ...(o.serial !== undefined ? { serial: o.serial } : {}) },
  };
  if (o.withUdev !== false) {
    facts.udev = {
      ID_BUS: 'usb', ID_VENDOR_ID: o.vid, ID_MODEL_ID: o.pid, ID_PATH: idPath, ID_USB_DRIVER: 'uvcvideo',
      ID_V4L_CAPABILITIES: ':capture:', DEVPATH: `${sysfsPath.replace('/sys', '')}/video4linux/${o.devnode.replace('/dev/', '')}`,
      ...(o.serial !== undefined ? { ID_SERIAL_SHORT: o.serial } : {}),
    };
    facts.links = [`v4l/by-path/${idPath}-video-index${o.index ?? 0}`];
  }
  return facts;
}

describe('identity: USB cameras with a serial', () => {
  const c920 = (devnode: string, devpath: string) => usbNode({ devnode, devpath, vid: '046d', pid: '082d', serial: 'B61DEDAF', card: 'HD Pro Webcam C920' });

  it('key is vendor:product + serial, whatever the port and node number', () => {
    const a = identifyNode(c920('/dev/video0', '3'));
    const b = identifyNode(c920('/dev/video4', '1.2')); // re-plugged into a hub port, renumbered
    assert.equal(a.key, 'usb:046d:082d:serial:B61DEDAF');
    assert.equal(b.key, a.key);
    assert.equal(a.basis, 'usb-serial');
    assert.deepEqual(a.aliases, ['usb:046d:082d@port:0000:00:14.0-3', 'usb@port:0000:00:14.0-3']);
    assert.notDeepEqual(b.aliases, a.aliases, 'aliases follow the port');
    assert.equal(a.name, 'HD Pro Webcam C920');
  });

  it('the same key with or without udev (sysfs ids and serial only)', () => {
    const withUdev = identifyNode(c920('/dev/video0', '3'));
    const noUdev = identifyNode({ ...c920('/dev/video0', '3'), udev: undefined, links: undefined });
    assert.equal(noUdev.key, withUdev.key);
    assert.equal(noUdev.location, withUdev.location);
  });

  it('a placeholder serial (Sonix "SN0001", "01.00.00") is ignored: the port decides', () => {
    const a = identifyNode(usbNode({ devnode: '/dev/video0', devpath: '1', vid: '04f2', pid: 'b008', serial: 'SN0001' }));
    assert.equal(a.basis, 'usb-port');
    assert.equal(a.serial, null);
    assert.equal(a.key, 'usb:04f2:b008@port:0000:00:14.0-1');
    for (const s of ['SN0001', '01.00.00', '0000', '0001', 'FFFFFFFF', '', ' ', '1']) assert.equal(isUsableSerial(s), false, s);
    for (const s of ['B61DEDAF', 'A9382BFF', '6E8DF1BF', '804113020213', '2c7160c72b7671ad']) assert.equal(isUsableSerial(s), true, s);
  });
});

describe('identity: serial-less USB cameras', () => {
  const twin = (devnode: string, devpath: string) => usbNode({ devnode, devpath, vid: '2232', pid: '1009', card: 'WebCam SC-13HDL10931N' });

  it('two identical cameras on two ports get two ids, each stable per port across renumbering', () => {
    const left = identifyNode(twin('/dev/video0', '1.4'));
    const right = identifyNode(twin('/dev/video2', '2'));
    assert.notEqual(left.key, right.key);
    assert.equal(left.key, 'usb:2232:1009@port:0000:00:14.0-1.4');
    // after a reboot the kernel numbered them the other way round
    assert.equal(identifyNode(twin('/dev/video2', '1.4')).key, left.key);
    assert.equal(identifyNode(twin('/dev/video0', '2')).key, right.key);
    assert.deepEqual(left.aliases, ['usb@port:0000:00:14.0-1.4']);
  });

  it('the port reads the same from sysfs, ID_PATH, a by-path link, DEVPATH or the bus info', () => {
    const full = twin('/dev/video0', '1.4');
    const only = (f: Partial<NodeFacts>): NodeFacts => ({ devnode: '/dev/video0', card: full.card, usb: full.usb, ...f });
    const expected = identifyNode(full).key;
    assert.equal(identifyNode(only({ sysfsPath: full.sysfsPath })).key, expected);
    assert.equal(identifyNode(only({ udev: { ID_BUS: 'usb', ID_PATH: full.udev!.ID_PATH! } })).key, expected);
    assert.equal(identifyNode(only({ udev: { ID_BUS: 'usb' }, links: full.links })).key, expected);
    assert.equal(identifyNode(only({ udev: { ID_BUS: 'usb', DEVPATH: full.udev!.DEVPATH! } })).key, expected);
    assert.equal(identifyNode(only({ busInfo: full.busInfo })).key, expected);
  });

  it('port parsing covers PCI, Raspberry Pi 4 (PCIe behind a platform bus) and platform xHCI controllers', () => {
    assert.deepEqual(usbPortFromIdPath('pci-0000:00:1a.0-usb-0:1.4:1.0'), { controller: '0000:00:1a.0', devpath: '1.4' });
    assert.deepEqual(usbPortFromIdPath('platform-fd500000.pcie-pci-0000:01:00.0-usb-0:1.2.4.4:1.0-video-index0'), { controller: '0000:01:00.0', devpath: '1.2.4.4' });
    assert.deepEqual(usbPortFromIdPath('/dev/v4l/by-path/platform-xhci-hcd.0-usb-0:1:1.0-video-index1'), { controller: 'xhci-hcd.0', devpath: '1' });
    assert.deepEqual(usbPortFromIdPath('platform-3610000.xhci-usbv2-0:2:1.0'), { controller: '3610000.xhci', devpath: '2' });
    assert.equal(usbPortFromIdPath('platform-vivid.0'), null);
    assert.deepEqual(usbPortFromSysfs('/sys/devices/pci0000:00/0000:00:1a.0/usb1/1-1/1-1.4/1-1.4:1.0/video4linux/video0'), { controller: '0000:00:1a.0', devpath: '1.4' });
    assert.deepEqual(usbPortFromSysfs('/sys/devices/platform/scb/fd500000.pcie/pci0000:00/0000:00:00.0/0000:01:00.0/usb1/1-1/1-1.2/1-1.2:1.0'), { controller: '0000:01:00.0', devpath: '1.2' });
    assert.equal(usbPortFromSysfs('/sys/devices/platform/vivid.0'), null);
    assert.deepEqual(usbPortFromBusInfo('usb-0000:00:14.0-1.2.3'), { controller: '0000:00:14.0', devpath: '1.2.3' });
    assert.deepEqual(usbPortFromBusInfo('usb-xhci-hcd.0-1.1'), { controller: 'xhci-hcd.0', devpath: '1.1' });
    assert.deepEqual(usbPortFromBusInfo('usb-musb-hdrc.1.auto-1'), { controller: 'musb-hdrc.1.auto', devpath: '1' });
    assert.equal(usbPortFromBusInfo('platform:vivid-000'), null);
  });

  it('a different model plugged into the same port is a different camera', () => {
    const a = identifyNode(twin('/dev/video0', '1.4'));
    const b = identifyNode(usbNode({ devnode: '/dev/video0', devpath: '1.4', vid: '046d', pid: '0825' }));
    assert.notEqual(a.key, b.key);
    assert.equal(a.location, b.location);
  });
});

describe('identity: non-USB devices from the VM fixtures', () => {
  const v0 = nodeFacts(fixture('vivid/vivid-000-video-capture'));
  const v1 = nodeFacts(fixture('vivid/vivid-000-metadata-capture'));
  const v2 = nodeFacts(fixture('vivid/vivid-001-video-capture'));

  it('the fixture facts are what makes vivid instances hard: same by-path name, same sysfs parent', () => {
    assert.deepEqual([v0.devnode, v1.devnode, v2.devnode], ['/dev/video0', '/dev/video1', '/dev/video2']);
    assert.deepEqual(v0.links, v2.links);
    assert.deepEqual(v0.links, ['v4l/by-path/platform-vivid.0-video-index0']);
    assert.equal(v0.sysfsPath, v2.sysfsPath);
    assert.equal(v0.indexInDevice, v2.indexInDevice);
  });

  it('two vivid instances differ by bus info', () => {
    const a = identifyNode(v0);
    const b = identifyNode(v2);
    assert.equal(a.key, 'bus:platform:vivid-000|card:vivid');
    assert.equal(b.key, 'bus:platform:vivid-001|card:vivid');
    assert.equal(a.basis, 'bus-card');
    assert.deepEqual(a.aliases, []);
  });

  it('groups vivid-000 capture + metadata nodes into one device, vivid-001 into another', () => {
    const devices = groupNodes([v2, v1, v0]);
    assert.deepEqual(devices.map((d) => [d.identity.key, d.nodes.map((n) => n.devnode)]), [
      ['bus:platform:vivid-000|card:vivid', ['/dev/video0', '/dev/video1']],
      ['bus:platform:vivid-001|card:vivid', ['/dev/video2']],
    ]);
    assert.equal(nodeIndex(v1), 1);
  });

  it('v4l2loopback: bus info + card name, unchanged when the node flips from output to capture', () => {
    const idle = identifyNode(nodeFacts(fixture('v4l2loopback/loop-cam-idle')));
    const streaming = identifyNode(nodeFacts(fixture('v4l2loopback/loop-cam-streaming')));
    assert.equal(idle.key, 'bus:platform:v4l2loopback-000|card:Loop Cam');
    assert.equal(streaming.key, idle.key);
    assert.equal(idle.name, 'Loop Cam');
  });
});

describe('grouping and primary node', () => {
  // Arducam 0c45:6366: two capture nodes (video8 MJPG/YUYV, video10 H264) and two metadata nodes.
  const dir8 = fixture('uvc/arducam-1080p-h264/video8');
  const dir10 = fixture('uvc/arducam-1080p-h264/video10');
  const arducam = (devnode: string, dir: typeof dir8, index: number) => ({
    ...nodeFacts(dir, devnode),
    indexInDevice: index,
    usb: { vendorId: '0c45', productId: '6366' },
    formats: parseListFormatsExt(dir.read('list-formats-ext.txt')).map((f) => f.fourcc),
  });
  const n8 = arducam('/dev/video8', dir8, 0);
  const n10 = arducam('/dev/video10', dir10, 2);

  it('the two capture nodes of one USB camera become one device (placeholder serial → port key)', () => {
    const [dev, ...rest] = groupNodes([n10, n8]);
    assert.equal(rest.length, 0);
    assert.deepEqual(dev!.nodes.map((n) => n.devnode), ['/dev/video8', '/dev/video10']);
    assert.equal(dev!.identity.key, 'usb:0c45:6366@port:xhci-hcd.0-1');
    assert.equal(dev!.identity.name, 'USB 2.0 Camera: USB Camera');
  });

  it('primary node: the one offering the preferred format, then the lowest index', () => {
    assert.equal(pickPrimaryNode([n8, n10], (f) => formatRank(f))?.devnode, '/dev/video10', 'H264 preferred by default');
    assert.equal(pickPrimaryNode([n8, n10], (f) => formatRank(f, { preferredFormats: ['MJPG', 'H264'] }))?.devnode, '/dev/video8');
    const same = { ...n10, devnode: '/dev/video12', indexInDevice: 4 };
    assert.equal(pickPrimaryNode([same, n10], (f) => formatRank(f))?.devnode, '/dev/video10', 'tie → lower index');
    const unknown = { ...n8, devnode: '/dev/video3', indexInDevice: null, links: [], formats: ['YUYV'] };
    assert.equal(pickPrimaryNode([unknown, { ...unknown, devnode: '/dev/video1' }], (f) => formatRank(f))?.devnode, '/dev/video1', 'no index → lowest node number');
    assert.equal(pickPrimaryNode([], (f) => formatRank(f)), null);
  });

  it('cameras with the same serial on two ports fall back to port keys and keep the serial as alias', () => {
    const a = usbNode({ devnode: '/dev/video0', devpath: '1', vid: '1bcf', pid: '2c99', serial: 'UNIT42' });
    const b = usbNode({ devnode: '/dev/video2', devpath: '2', vid: '1bcf', pid: '2c99', serial: 'UNIT42' });
    const devices = groupNodes([a, b]);
    assert.deepEqual(devices.map((d) => [d.identity.key, d.identity.basis, d.serialCollision]), [
      ['usb:1bcf:2c99@port:0000:00:14.0-1', 'usb-port', true],
      ['usb:1bcf:2c99@port:0000:00:14.0-2', 'usb-port', true],
    ]);
    assert.equal(devices[0]!.identity.aliases[0], 'usb:1bcf:2c99:serial:UNIT42');
    // alone, the same camera is known by its serial again
    assert.equal(groupNodes([a])[0]!.identity.key, 'usb:1bcf:2c99:serial:UNIT42');
  });

  it('a node whose udev data is missing still joins its device and the device keeps the strongest identity', () => {
    const full = usbNode({ devnode: '/dev/video0', devpath: '3', vid: '046d', pid: '085c', serial: 'A9382BFF', index: 0 });
    const bare: NodeFacts = { devnode: '/dev/video1', busInfo: full.busInfo, card: full.card, indexInDevice: 1 };
    const devices = groupNodes([bare, full]);
    assert.equal(devices.length, 1);
    assert.equal(devices[0]!.identity.key, 'usb:046d:085c:serial:A9382BFF');
  });
});

describe('displayName and udev parsing', () => {
  it('collapses "X: X" card names', () => {
    assert.equal(displayName({ devnode: '/dev/video8', card: 'HD USB CAMERA: HD USB CAMERA' }), 'HD USB CAMERA');
    assert.equal(displayName({ devnode: '/dev/video8', card: 'USB 2.0 Camera: USB Camera' }), 'USB 2.0 Camera: USB Camera');
    assert.equal(displayName({ devnode: '/dev/video8', udev: { ID_MODEL: 'Chicony_USB_2.0_Camera' } }), 'Chicony USB 2.0 Camera');
    assert.equal(displayName({ devnode: '/dev/video8' }), 'video8');
  });

  it('parses udevadm --query=all (P/N/S/E) and --query=property (KEY=VALUE) output', () => {
    const rec = parseUdevadmInfo(fixture('vivid/vivid-000-video-capture').read('udev.txt'));
    assert.equal(rec.devpath, '/devices/platform/vivid.0/video4linux/video0');
    assert.equal(rec.devname, 'video0');
    assert.deepEqual(rec.links, ['v4l/by-path/platform-vivid.0-video-index0']);
    assert.equal(rec.properties.ID_PATH, 'platform-vivid.0');
    const prop = parseUdevadmInfo('DEVNAME=/dev/video4\nDEVPATH=/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/video4linux/video4\nDEVLINKS=/dev/v4l/by-id/usb-X-video-index0 /dev/v4l/by-path/pci-0000:00:14.0-usb-0:2:1.0-video-index0\nID_SERIAL_SHORT=ABC\n');
    assert.equal(prop.devname, 'video4');
    assert.deepEqual(prop.links, ['v4l/by-id/usb-X-video-index0', 'v4l/by-path/pci-0000:00:14.0-usb-0:2:1.0-video-index0']);
    assert.equal(prop.properties.ID_SERIAL_SHORT, 'ABC');
  });
});
