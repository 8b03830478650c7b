/**
 * Reads what sysfs knows about V4L2 nodes (adapter; sysfs reads are in-memory and cheap, so
 * they are synchronous): the node list, each node's name/index/dev attributes, the resolved
 * path of its parent device and, for USB devices, idVendor/idProduct/serial of the USB device
 * found by walking up that path.
 */
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const SYS_CLASS_V4L = '/sys/class/video4linux';

export interface SysfsNode {
  /** "video0" */
  name: string;
  /** "/dev/video0" */
  devnode: string;
  /** The `name` attribute (for vivid "vivid-000-vid-cap", for UVC the card name). */
  label: string | null;
  /** The node's index within its device (`index` attribute). */
  index: number | null;
  /** "major:minor" (`dev` attribute). */
  dev: string | null;
  /** Resolved path of the parent device (`device` link), or of the class entry when there is none (virtual devices such as v4l2loopback). */
  sysfsPath: string;
  /** Attributes of the USB device the node belongs to, when it is on USB. */
  usb: { vendorId?: string; productId?: string; serial?: string } | null;
}

export const isVideoNodeName = (name: string): boolean => /^video\d+$/.test(name);

/** Names of the video nodes sysfs lists ("video0", …), by number. */
export function listVideoNodes(classRoot = SYS_CLASS_V4L): string[] {
  let names: string[];
  try {
    names = readdirSync(classRoot);
  } catch {
    return []; // no V4L2 in this kernel
  }
  return names.filter(isVideoNodeName).sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
}

function readAttr(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

/** Walks up from a device path to the USB device (the directory holding idVendor/idProduct). */
function usbAttributes(devicePath: string): SysfsNode['usb'] {
  if (!/\/usb\d+\//.test(`${devicePath}/`)) return null;
  for (let dir = devicePath; dir !== '/' && dir !== '.' && !/\/devices$/.test(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'idVendor')) && existsSync(join(dir, 'idProduct'))) {
      const out: NonNullable<SysfsNode['usb']> = {};
      const vendor = readAttr(join(dir, 'idVendor'));
      const product = readAttr(join(dir, 'idProduct'));
      const serial = readAttr(join(dir, 'serial'));
      if (vendor !== null) out.vendorId = vendor;
      if (product !== null) out.productId = product;
      if (serial !== null && serial !== '') out.serial = serial;
      return out;
    }
  }
  return {};
}

/**
 * Facts about one node, or null when sysfs no longer lists it (the device went away).
 * `devRoot` is where the node files live (/dev).
 */
export function readSysfsNode(name: string, classRoot = SYS_CLASS_V4L, devRoot = '/dev'): SysfsNode | null {
  const entry = join(classRoot, name);
  let classPath: string;
  try {
    classPath = realpathSync(entry);
  } catch {
    return null;
  }
  let sysfsPath = classPath;
  try {
    sysfsPath = realpathSync(join(entry, 'device'));
  } catch {
    // virtual device: no parent link
  }
  const index = readAttr(join(entry, 'index'));
  return {
    name,
    devnode: join(devRoot, name),
    label: readAttr(join(entry, 'name')),
    index: index !== null && /^\d+$/.test(index) ? Number(index) : null,
    dev: readAttr(join(entry, 'dev')),
    sysfsPath,
    usb: usbAttributes(sysfsPath),
  };
}

/**
 * v4l2loopback's `format` attribute of a node: the format while the device is ready for
 * capture, empty otherwise; null when the node has no such attribute (another driver).
 */
export function readLoopbackFormat(name: string, classRoot = SYS_CLASS_V4L): string | null {
  return readAttrRaw(join(classRoot, name, 'format'));
}

function readAttrRaw(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
