import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { listVideoNodes, readSysfsNode } from '../../../src/discovery/sysfs.js';

/** A sysfs-like tree laid out as the kernel does for a UVC camera and a v4l2loopback device. */
function fakeSysfs(): { root: string; classDir: string } {
  const root = mkdtempSync(join(tmpdir(), 'sysfs-'));
  const dev = (p: string) => join(root, 'devices', p);
  const usbDevice = dev('pci0000:00/0000:00:14.0/usb1/1-3');
  const iface = join(usbDevice, '1-3:1.0');
  const files = (dir: string, attrs: Record<string, string>) => {
    mkdirSync(dir, { recursive: true });
    for (const [k, v] of Object.entries(attrs)) writeFileSync(join(dir, k), `${v}\n`);
  };
  files(usbDevice, { idVendor: '046d', idProduct: '082d', serial: 'B61DEDAF' });
  files(join(iface, 'video4linux', 'video0'), { name: 'HD Pro Webcam C920', index: '0', dev: '81:0' });
  files(join(iface, 'video4linux', 'video1'), { name: 'HD Pro Webcam C920', index: '1', dev: '81:1' });
  symlinkSync(iface, join(iface, 'video4linux', 'video0', 'device'));
  symlinkSync(iface, join(iface, 'video4linux', 'video1', 'device'));
  files(dev('virtual/video4linux/video10'), { name: 'Loop Cam', index: '0', dev: '81:10' });
  const classDir = join(root, 'class', 'video4linux');
  mkdirSync(classDir, { recursive: true });
  symlinkSync(join(iface, 'video4linux', 'video0'), join(classDir, 'video0'));
  symlinkSync(join(iface, 'video4linux', 'video1'), join(classDir, 'video1'));
  symlinkSync(dev('virtual/video4linux/video10'), join(classDir, 'video10'));
  symlinkSync(dev('virtual/video4linux/video10'), join(classDir, 'v4l-subdev0')); // not a video node
  return { root, classDir };
}

describe('sysfs reader', () => {
  const { root, classDir } = fakeSysfs();
  after(() => rmSync(root, { recursive: true, force: true }));

  it('lists video nodes by number and nothing else', () => {
    assert.deepEqual(listVideoNodes(classDir), ['video0', 'video1', 'video10']);
    assert.deepEqual(listVideoNodes(join(root, 'missing')), [], 'a kernel without V4L2 has no class dir');
  });

  it('a USB node: attributes, parent device path, and the USB ids found by walking up', () => {
    const n = readSysfsNode('video1', classDir, '/dev')!;
    assert.equal(n.devnode, '/dev/video1');
    assert.equal(n.label, 'HD Pro Webcam C920');
    assert.equal(n.index, 1);
    assert.equal(n.dev, '81:1');
    assert.match(n.sysfsPath, /\/usb1\/1-3\/1-3:1\.0$/);
    assert.deepEqual(n.usb, { vendorId: '046d', productId: '082d', serial: 'B61DEDAF' });
  });

  it('a virtual node has no device link: its own path, no USB attributes', () => {
    const n = readSysfsNode('video10', classDir)!;
    assert.match(n.sysfsPath, /\/devices\/virtual\/video4linux\/video10$/);
    assert.equal(n.usb, null);
  });

  it('a node that went away reads as null', () => {
    assert.equal(readSysfsNode('video7', classDir), null);
  });
});
