/**
 * Physical identity of V4L2 nodes (pure): which physical camera a /dev/videoN belongs to, a
 * key that stays the same across re-plugging, renumbering and restarts, grouping of the
 * nodes of one device, and the choice of its primary node.
 *
 * Identity keys (strings; persisted by the registry, so their format is stable):
 * - USB with a usable serial:  `usb:<vid>:<pid>:serial:<serial>`
 * - USB without one:           `usb:<vid>:<pid>@port:<controller>-<devpath>`
 *                              (`usb@port:<controller>-<devpath>` when vid:pid are unknown)
 * - anything else (vivid, v4l2loopback, CSI/ISP, PCI): `bus:<bus info>|card:<card>`
 *
 * The USB port (`<controller>-<devpath>`, e.g. `0000:00:14.0-1.4`) is the same string whether
 * it comes from sysfs, udev's ID_PATH, a by-path link or the bus info ("usb-0000:00:14.0-1.4"),
 * so identities do not change when udev is or is not running.
 * Weaker keys a device could have been registered under are returned as `aliases`, which lets
 * the id assignment follow a device whose strongest key changed (a serial that became
 * ambiguous, vid:pid that became known).
 */

/** What the shell knows about one node; every field is optional except the node path. */
export interface NodeFacts {
  /** "/dev/video0" */
  devnode: string;
  /** The node's index within its device (sysfs `index`, the N of "video-indexN"). */
  indexInDevice?: number | null;
  /** From `v4l2-ctl --info`. */
  driver?: string;
  card?: string;
  busInfo?: string;
  /** "Serial" of the Media Driver Info block (uvcvideo: the USB serial string). */
  mediaSerial?: string;
  /** udev properties of the node (ID_PATH, ID_VENDOR_ID, ID_MODEL_ID, ID_SERIAL_SHORT, …). */
  udev?: Record<string, string>;
  /** /dev symlinks of the node, absolute or relative to /dev ("v4l/by-path/…", "v4l/by-id/…"). */
  links?: string[];
  /** Resolved sysfs path of the node's parent device (readlink -f /sys/class/video4linux/videoN/device), or of the node itself. */
  sysfsPath?: string;
  /** Attributes of the USB device from sysfs (idVendor, idProduct, serial). */
  usb?: { vendorId?: string; productId?: string; serial?: string };
}

export type IdentityBasis = 'usb-serial' | 'usb-port' | 'bus-card';

export interface NodeIdentity {
  /** Stable identity key (see module doc). */
  key: string;
  /** Weaker keys of the same device, strongest first. */
  aliases: string[];
  /** Physical location shared by all nodes of one device: `usb-port:<controller>-<devpath>` or `bus:<bus info>`. */
  location: string;
  basis: IdentityBasis;
  vendorId: string | null;
  productId: string | null;
  /** The usable serial, or null (none, or a placeholder such as "SN0001"). */
  serial: string | null;
  /** Display name. */
  name: string;
}

/**
 * Serials that firmware vendors ship on every unit, so they do not tell units apart.
 * (Observed in the UVC fixtures: Sonix-based cameras report "SN0001", 32e4:0317 "01.00.00".)
 */
const PLACEHOLDER_SERIALS = new Set(['SN0001', '01.00.00', '0123456789', '123456789', '12345678', '1234567890', '20000101', 'NONE', 'NULL', 'DEFAULT']);

/** Whether a USB serial string can identify one unit. */
export function isUsableSerial(serial: string | undefined | null): serial is string {
  if (serial === undefined || serial === null) return false;
  const s = serial.trim();
  if (s.length < 2) return false;
  if (PLACEHOLDER_SERIALS.has(s.toUpperCase())) return false;
  if (/^(.)\1*$/.test(s)) return false; // "0000", "FFFFFFFF"
  if (/^[0.]*1?$/.test(s)) return false; // "0001", "00.01"
  return true;
}

function hex4(v: string | undefined): string | null {
  if (v === undefined) return null;
  const s = v.trim().toLowerCase().replace(/^0x/, '');
  return /^[0-9a-f]{1,4}$/.test(s) ? s.padStart(4, '0') : null;
}

function nodeNumber(devnode: string): number {
  const m = /(\d+)$/.exec(devnode);
  return m ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
}

/** Index of a node within its device, from the fact, the udev property or a "-video-indexN" link. */
export function nodeIndex(facts: NodeFacts): number | null {
  if (typeof facts.indexInDevice === 'number') return facts.indexInDevice;
  const fromLink = (facts.links ?? []).map((l) => /-video-index(\d+)$/.exec(l)).find((m) => m !== null);
  if (fromLink) return Number(fromLink[1]);
  return null;
}

interface UsbPort { controller: string; devpath: string }

/** Port from a udev ID_PATH or a by-path link name: "pci-0000:00:14.0-usb-0:1.4:1.0[-video-index0]". */
export function usbPortFromIdPath(idPath: string): UsbPort | null {
  const s = idPath.replace(/^.*\/by-path\//, '').replace(/-video-index\d+$/, '');
  const m = /^(.*)-usb(?:v\d+)?-0:([0-9.]+)(?::\d+\.\d+)?$/.exec(s);
  if (!m) return null;
  const prefix = m[1]!;
  // The controller is the last path element: "…-pci-0000:01:00.0" or "…platform-xhci-hcd.0".
  const re = /(?:^|-)(?:pci|platform|acpi|ccw|virtio|xen)-/g;
  let start = -1;
  let r: RegExpExecArray | null;
  while ((r = re.exec(prefix))) { start = r.index + r[0].length; re.lastIndex = r.index + 1; }
  if (start < 0) return null;
  const controller = prefix.slice(start);
  return controller === '' ? null : { controller, devpath: m[2]! };
}

/** Port from a sysfs path: ".../0000:00:14.0/usb1/1-1.4/1-1.4:1.0[/video4linux/video0]". */
export function usbPortFromSysfs(path: string): UsbPort | null {
  const parts = path.split('/').filter((p) => p !== '');
  const hub = parts.findIndex((p) => /^usb\d+$/.test(p));
  if (hub < 1) return null;
  let device: string | null = null;
  for (let i = hub + 1; i < parts.length; i++) {
    if (/^\d+-[0-9.]+$/.test(parts[i]!)) device = parts[i]!;
    else if (!/^\d+-[0-9.]+:\d+\.\d+$/.test(parts[i]!)) break;
  }
  if (device === null) return null;
  return { controller: parts[hub - 1]!, devpath: device.slice(device.indexOf('-') + 1) };
}

/** Port from uvcvideo's bus info "usb-<controller>-<devpath>" (may be truncated to 31 characters by the kernel). */
export function usbPortFromBusInfo(busInfo: string): UsbPort | null {
  const m = /^usb-(.+)-([0-9]+(?:\.[0-9]+)*)$/.exec(busInfo.trim());
  return m ? { controller: m[1]!, devpath: m[2]! } : null;
}

function usbPort(f: NodeFacts): UsbPort | null {
  const udev = f.udev ?? {};
  const byPath = (f.links ?? []).find((l) => l.includes('by-path/'));
  return (f.sysfsPath !== undefined ? usbPortFromSysfs(f.sysfsPath) : null)
    ?? (udev.ID_PATH !== undefined ? usbPortFromIdPath(udev.ID_PATH) : null)
    ?? (byPath !== undefined ? usbPortFromIdPath(byPath) : null)
    ?? (udev.DEVPATH !== undefined ? usbPortFromSysfs(udev.DEVPATH) : null)
    ?? (f.busInfo !== undefined ? usbPortFromBusInfo(f.busInfo) : null);
}

function isUsb(f: NodeFacts): boolean {
  const udev = f.udev ?? {};
  return (f.busInfo ?? '').startsWith('usb-') || udev.ID_BUS === 'usb' || udev.ID_USB_DRIVER !== undefined ||
    /\/usb\d+\//.test(f.sysfsPath ?? '') || /\/usb\d+\//.test(udev.DEVPATH ?? '');
}

/** Display name from the card name ("HD USB CAMERA: HD USB CAMERA" → "HD USB CAMERA"). */
export function displayName(f: Pick<NodeFacts, 'card' | 'udev' | 'devnode'>): string {
  const card = (f.card ?? '').trim();
  if (card !== '') {
    const halves = card.split(': ');
    if (halves.length === 2 && halves[0]!.trim() === halves[1]!.trim()) return halves[0]!.trim();
    return card;
  }
  const udev = f.udev ?? {};
  const model = udev.ID_V4L_PRODUCT ?? udev.ID_MODEL_FROM_DATABASE ?? udev.ID_MODEL;
  if (model !== undefined && model.trim() !== '') return model.replace(/_/g, ' ').trim();
  return f.devnode.replace(/^\/dev\//, '');
}

/** Identity of a single node from its facts. */
export function identifyNode(f: NodeFacts): NodeIdentity {
  const name = displayName(f);
  if (isUsb(f)) {
    const udev = f.udev ?? {};
    const vendorId = hex4(f.usb?.vendorId ?? udev.ID_USB_VENDOR_ID ?? udev.ID_VENDOR_ID);
    const productId = hex4(f.usb?.productId ?? udev.ID_USB_MODEL_ID ?? udev.ID_MODEL_ID);
    const rawSerial = f.usb?.serial ?? udev.ID_USB_SERIAL_SHORT ?? udev.ID_SERIAL_SHORT ?? (f.mediaSerial !== '' ? f.mediaSerial : undefined);
    const serial = isUsableSerial(rawSerial) ? rawSerial.trim() : null;
    const port = usbPort(f);
    const portText = port ? `${port.controller}-${port.devpath}` : null;
    const vidpid = vendorId !== null && productId !== null ? `${vendorId}:${productId}` : null;
    const portKey = portText !== null ? (vidpid !== null ? `usb:${vidpid}@port:${portText}` : `usb@port:${portText}`) : null;
    const portOnly = portText !== null ? `usb@port:${portText}` : null;
    const location = portText !== null ? `usb-port:${portText}` : `node:${f.devnode}`;
    const aliases: string[] = [];
    let key: string;
    let basis: IdentityBasis;
    if (serial !== null && vidpid !== null) {
      key = `usb:${vidpid}:serial:${serial}`;
      basis = 'usb-serial';
      if (portKey !== null) aliases.push(portKey);
    } else if (portKey !== null) {
      key = portKey;
      basis = 'usb-port';
    } else {
      // Neither serial nor port known: fall back to what the kernel says about the node.
      key = `bus:${f.busInfo ?? ''}|card:${f.card ?? ''}`;
      basis = 'bus-card';
    }
    if (portOnly !== null && portOnly !== key && !aliases.includes(portOnly)) aliases.push(portOnly);
    return { key, aliases, location, basis, vendorId, productId, serial, name };
  }
  const bus = (f.busInfo ?? '').trim();
  const location = bus !== '' ? `bus:${bus}` : `node:${f.devnode}`;
  return {
    key: `bus:${bus}|card:${(f.card ?? '').trim()}`,
    aliases: [],
    location,
    basis: 'bus-card',
    vendorId: null,
    productId: null,
    serial: null,
    name,
  };
}

/** One physical camera: its identity and all its nodes (lowest index first). */
export interface PhysicalDevice<N extends NodeFacts = NodeFacts> {
  identity: NodeIdentity;
  nodes: N[];
  /** Set when the device's serial is shared with another present device and its port was used instead. */
  serialCollision: boolean;
}

function byIndex(a: NodeFacts, b: NodeFacts): number {
  const ia = nodeIndex(a) ?? Number.MAX_SAFE_INTEGER;
  const ib = nodeIndex(b) ?? Number.MAX_SAFE_INTEGER;
  return ia - ib || nodeNumber(a.devnode) - nodeNumber(b.devnode);
}

/**
 * Groups nodes into physical devices by location (USB port, or bus info for other buses) and
 * gives each device one identity. When two present devices would share a serial-based key
 * (identical units shipped with the same serial), both fall back to their port keys and keep
 * the serial key as an alias. Devices are returned in order of their lowest node number.
 */
export function groupNodes<N extends NodeFacts>(nodes: readonly N[]): PhysicalDevice<N>[] {
  const groups = new Map<string, N[]>();
  for (const n of nodes) {
    const loc = identifyNode(n).location;
    const g = groups.get(loc);
    if (g) g.push(n); else groups.set(loc, [n]);
  }
  const devices: PhysicalDevice<N>[] = [];
  for (const members of groups.values()) {
    members.sort(byIndex);
    // Merge facts: the strongest identity any node of the device yields (udev data may be
    // missing on one node and present on another).
    const ids = members.map(identifyNode);
    const rank = (i: NodeIdentity): number => (i.basis === 'usb-serial' ? 0 : i.basis === 'usb-port' ? (i.vendorId !== null ? 1 : 2) : 3);
    const best = ids.reduce((a, b) => (rank(b) < rank(a) ? b : a));
    const name = ids.find((i) => i.name !== '')?.name ?? best.name;
    devices.push({ identity: { ...best, name }, nodes: members, serialCollision: false });
  }
  // Serial collisions between devices at different locations.
  const bySerialKey = new Map<string, PhysicalDevice<N>[]>();
  for (const d of devices) {
    if (d.identity.basis !== 'usb-serial') continue;
    const list = bySerialKey.get(d.identity.key) ?? [];
    list.push(d);
    bySerialKey.set(d.identity.key, list);
  }
  for (const [serialKey, list] of bySerialKey) {
    if (list.length < 2) continue;
    for (const d of list) {
      const portKey = d.identity.aliases.find((a) => a.startsWith('usb:'));
      if (portKey === undefined) continue;
      d.identity = { ...d.identity, key: portKey, basis: 'usb-port', aliases: [serialKey, ...d.identity.aliases.filter((a) => a !== portKey)] };
      d.serialCollision = true;
    }
  }
  devices.sort((a, b) => Math.min(...a.nodes.map((n) => nodeNumber(n.devnode))) - Math.min(...b.nodes.map((n) => nodeNumber(n.devnode))));
  return devices;
}

/** A capture node with the formats it offers (fourccs from `--list-formats-ext`). */
export interface NodeWithFormats {
  devnode: string;
  indexInDevice?: number | null;
  links?: string[];
  formats: readonly string[];
}

/**
 * Picks the primary node of a device: the node offering the best-ranked format (lower
 * `rank` is better; formats the policy does not accept rank as Infinity), then the lowest
 * node index within the device, then the lowest /dev/videoN number.
 * Returns null for an empty list.
 */
export function pickPrimaryNode<N extends NodeWithFormats>(nodes: readonly N[], rank: (fourcc: string) => number): N | null {
  let best: N | null = null;
  let bestRank = Infinity;
  for (const n of nodes) {
    const r = n.formats.reduce((acc, f) => Math.min(acc, rank(f)), Infinity);
    if (best === null || r < bestRank || (r === bestRank && byIndex(n, best) < 0)) {
      best = n;
      bestRank = r;
    }
  }
  return best;
}
