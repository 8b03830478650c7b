/**
 * Pure parsers for `v4l2-ctl --info` (also the head of `--all` and `-D`) and
 * `v4l2-ctl --list-devices` output. No I/O: the shell runs v4l2-ctl and hands the text here.
 *
 * Both the old layout ("Driver Info (not using libv4l2):", "Driver name   :") and the current
 * one ("Driver Info:", "Driver name      :", plus "Media Driver Info", "Interface Info",
 * "Entity Info" sections) are accepted. Lines that fit no section (warnings such as vivid's
 * "FAIL ... topology") are collected in `noise` instead of failing the parse.
 */

/** V4L2 capability bits (`struct v4l2_capability`, linux/videodev2.h) and v4l2-ctl's names for them. */
export const V4L2_CAP = {
  VIDEO_CAPTURE: 0x00000001,
  VIDEO_OUTPUT: 0x00000002,
  VIDEO_OVERLAY: 0x00000004,
  VBI_CAPTURE: 0x00000010,
  VBI_OUTPUT: 0x00000020,
  SLICED_VBI_CAPTURE: 0x00000040,
  SLICED_VBI_OUTPUT: 0x00000080,
  RDS_CAPTURE: 0x00000100,
  VIDEO_OUTPUT_OVERLAY: 0x00000200,
  HW_FREQ_SEEK: 0x00000400,
  RDS_OUTPUT: 0x00000800,
  VIDEO_CAPTURE_MPLANE: 0x00001000,
  VIDEO_OUTPUT_MPLANE: 0x00002000,
  VIDEO_M2M_MPLANE: 0x00004000,
  VIDEO_M2M: 0x00008000,
  TUNER: 0x00010000,
  AUDIO: 0x00020000,
  RADIO: 0x00040000,
  MODULATOR: 0x00080000,
  SDR_CAPTURE: 0x00100000,
  EXT_PIX_FORMAT: 0x00200000,
  SDR_OUTPUT: 0x00400000,
  META_CAPTURE: 0x00800000,
  READWRITE: 0x01000000,
  STREAMING: 0x04000000,
  META_OUTPUT: 0x08000000,
  TOUCH: 0x10000000,
  IO_MC: 0x20000000,
  DEVICE_CAPS: 0x80000000,
} as const;

const CAP_NAMES: ReadonlyArray<readonly [number, string]> = [
  [V4L2_CAP.VIDEO_CAPTURE, 'Video Capture'],
  [V4L2_CAP.VIDEO_CAPTURE_MPLANE, 'Video Capture Multiplanar'],
  [V4L2_CAP.VIDEO_OUTPUT, 'Video Output'],
  [V4L2_CAP.VIDEO_OUTPUT_MPLANE, 'Video Output Multiplanar'],
  [V4L2_CAP.VIDEO_M2M, 'Video Memory-to-Memory'],
  [V4L2_CAP.VIDEO_M2M_MPLANE, 'Video Memory-to-Memory Multiplanar'],
  [V4L2_CAP.VIDEO_OVERLAY, 'Video Overlay'],
  [V4L2_CAP.VIDEO_OUTPUT_OVERLAY, 'Video Output Overlay'],
  [V4L2_CAP.VBI_CAPTURE, 'VBI Capture'],
  [V4L2_CAP.VBI_OUTPUT, 'VBI Output'],
  [V4L2_CAP.SLICED_VBI_CAPTURE, 'Sliced VBI Capture'],
  [V4L2_CAP.SLICED_VBI_OUTPUT, 'Sliced VBI Output'],
  [V4L2_CAP.RDS_CAPTURE, 'RDS Capture'],
  [V4L2_CAP.SDR_CAPTURE, 'SDR Capture'],
  [V4L2_CAP.META_CAPTURE, 'Metadata Capture'],
  [V4L2_CAP.TUNER, 'Tuner'],
  [V4L2_CAP.TOUCH, 'Touch Device'],
  [V4L2_CAP.HW_FREQ_SEEK, 'HW Frequency Seek'],
  [V4L2_CAP.MODULATOR, 'Modulator'],
  [V4L2_CAP.AUDIO, 'Audio'],
  [V4L2_CAP.RADIO, 'Radio'],
  [V4L2_CAP.READWRITE, 'Read/Write'],
  [V4L2_CAP.STREAMING, 'Streaming'],
  [V4L2_CAP.EXT_PIX_FORMAT, 'Extended Pix Format'],
  [V4L2_CAP.RDS_OUTPUT, 'RDS Output'],
  [V4L2_CAP.SDR_OUTPUT, 'SDR Output'],
  [V4L2_CAP.META_OUTPUT, 'Metadata Output'],
  [V4L2_CAP.IO_MC, 'I/O MC'],
  [V4L2_CAP.DEVICE_CAPS, 'Device Capabilities'],
];

/** Names of the bits set in `bits`, in v4l2-ctl's order; unknown bits as `0x…` strings. */
export function decodeCapabilities(bits: number): string[] {
  const names: string[] = [];
  let known = 0;
  for (const [bit, name] of CAP_NAMES) {
    known |= bit;
    if ((bits & bit) >>> 0 !== 0) names.push(name);
  }
  const unknown = (bits & ~known) >>> 0;
  for (let bit = 1; bit !== 0 && bit <= unknown; bit = (bit << 1) >>> 0) {
    if ((unknown & bit) >>> 0 !== 0) names.push(`0x${bit.toString(16).padStart(8, '0')}`);
  }
  return names;
}

export interface MediaDriverInfo {
  driver: string;
  model: string;
  /** Empty when the device has none (vivid, many CSI bridges). */
  serial: string;
  busInfo: string;
  mediaVersion: string;
  hardwareRevision: string;
  driverVersion: string;
}

export interface V4l2Info {
  driver: string;
  card: string;
  busInfo: string;
  driverVersion: string;
  /** Capabilities of the whole physical device. */
  capabilities: number;
  capabilityNames: string[];
  /** Capabilities of this node; null when not reported (drivers without V4L2_CAP_DEVICE_CAPS). */
  deviceCaps: number | null;
  deviceCapNames: string[];
  /** What this node can do: `deviceCaps` when reported, else `capabilities`. */
  nodeCaps: number;
  /** From the "Media Driver Info" section, when present. */
  media: MediaDriverInfo | null;
  /** "Entity Info" name and function, when present. */
  entity: { name: string; function: string } | null;
  /** Lines that matched no known field (tool warnings, failures); kept for diagnostics. */
  noise: string[];
}

export class V4l2ParseError extends Error {
  override readonly name = 'V4l2ParseError';
}

type Section = 'driver' | 'media' | 'interface' | 'entity' | 'other' | null;

const FIELD = /^\s*([A-Za-z][A-Za-z /]*?)\s*:\s?(.*)$/;
const HEX = /^0x([0-9a-fA-F]{1,8})\b/;

function parseHex(value: string, field: string): number {
  const m = HEX.exec(value.trim());
  if (!m) throw new V4l2ParseError(`${field}: expected a hex number, got "${value.trim()}"`);
  return Number.parseInt(m[1]!, 16) >>> 0;
}

/**
 * Parses `v4l2-ctl --info` output (or any output that starts with the Driver Info block, such
 * as `--all` or `-D --list-formats-ext`: parsing stops at the first line that belongs to
 * neither the info sections nor indented continuation lines).
 * @throws V4l2ParseError when no "Driver Info" block with a capabilities line is found.
 */
export function parseV4l2Info(text: string): V4l2Info {
  const lines = text.split(/\r?\n/);
  let section: Section = null;
  let seenDriver = false;
  const driver: Record<string, string> = {};
  const media: Record<string, string> = {};
  const entity: Record<string, string> = {};
  const noise: string[] = [];

  for (const raw of lines) {
    const line = raw.replace(/\s+$/, '');
    if (line === '') continue;
    const indented = /^\s/.test(line);
    if (!indented) {
      if (/^Driver Info\b/.test(line)) { section = 'driver'; seenDriver = true; continue; }
      if (/^Media Driver Info\b/.test(line)) { section = 'media'; continue; }
      if (/^Interface Info\b/.test(line)) { section = 'interface'; continue; }
      if (/^Entity Info\b/.test(line)) { section = 'entity'; continue; }
      if (seenDriver && /^(ioctl:|Priority:|Video input|Format |Crop |Selection|Streaming Parameters|Audio |Tuner|User Controls|Camera Controls)/.test(line)) {
        break; // the rest of an --all / --list-formats-ext dump
      }
      section = 'other';
      noise.push(line);
      continue;
    }
    const m = FIELD.exec(line);
    if (section === 'driver') {
      if (m && /^(Driver name|Card type|Bus info|Driver version|Capabilities|Device Caps)$/.test(m[1]!)) {
        driver[m[1]!] = m[2]!.trim();
      } else if (!/^\s+[A-Z][A-Za-z0-9/ -]*$/.test(line)) {
        noise.push(line.trim()); // capability names are re-derived from the numbers
      }
    } else if (section === 'media') {
      if (m) media[m[1]!] = m[2]!.trim();
      else noise.push(line.trim());
    } else if (section === 'entity') {
      if (m && (m[1] === 'Name' || m[1] === 'Function')) entity[m[1]] = m[2]!.trim();
    } else if (section === 'interface') {
      // ID / Type: not needed
    } else {
      noise.push(line.trim());
    }
  }

  if (!seenDriver) throw new V4l2ParseError('no "Driver Info" block in v4l2-ctl --info output');
  if (driver.Capabilities === undefined) throw new V4l2ParseError('no "Capabilities" line in the Driver Info block');
  const capabilities = parseHex(driver.Capabilities, 'Capabilities');
  const deviceCaps = driver['Device Caps'] !== undefined ? parseHex(driver['Device Caps'], 'Device Caps') : null;
  const useDeviceCaps = deviceCaps !== null && (capabilities & V4L2_CAP.DEVICE_CAPS) >>> 0 !== 0;
  const nodeCaps = useDeviceCaps ? deviceCaps : capabilities;

  return {
    driver: driver['Driver name'] ?? '',
    card: driver['Card type'] ?? '',
    busInfo: driver['Bus info'] ?? '',
    driverVersion: driver['Driver version'] ?? '',
    capabilities,
    capabilityNames: decodeCapabilities(capabilities),
    deviceCaps,
    deviceCapNames: deviceCaps === null ? [] : decodeCapabilities(deviceCaps),
    nodeCaps,
    media: media['Driver name'] === undefined && media.Model === undefined ? null : {
      driver: media['Driver name'] ?? '',
      model: media.Model ?? '',
      serial: media.Serial ?? '',
      busInfo: media['Bus info'] ?? '',
      mediaVersion: media['Media version'] ?? '',
      hardwareRevision: media['Hardware revision'] ?? '',
      driverVersion: media['Driver version'] ?? '',
    },
    entity: entity.Name === undefined ? null : { name: entity.Name, function: entity.Function ?? '' },
    noise,
  };
}

/** One device of `v4l2-ctl --list-devices`: its header and the nodes listed under it. */
export interface V4l2DeviceGroup {
  /** Header text without the bus info, e.g. "HD USB CAMERA: HD USB CAMERA". */
  name: string;
  /** Bus info from the header's last parenthesis, e.g. "usb-xhci-hcd.0-1", "platform:vivid-000". */
  busInfo: string;
  /** /dev/videoN nodes, in listed order. */
  videoNodes: string[];
  /** Other nodes (/dev/mediaN, /dev/v4l-subdevN, /dev/v4l-touchN, /dev/radioN, /dev/vbiN, …). */
  otherNodes: string[];
}

/**
 * Parses `v4l2-ctl --list-devices`. Headers are unindented lines ending in ':'; node paths are
 * indented. Lines that are neither (warnings such as "Cannot open device /dev/video0, exiting.")
 * are ignored.
 */
export function parseListDevices(text: string): V4l2DeviceGroup[] {
  const groups: V4l2DeviceGroup[] = [];
  let current: V4l2DeviceGroup | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s+$/, '');
    if (line === '') continue;
    if (/^\S/.test(line) && line.endsWith(':')) {
      const header = line.slice(0, -1);
      const m = /^(.*?)\s*\(([^()]*)\)$/.exec(header);
      current = { name: m ? m[1]! : header, busInfo: m ? m[2]! : '', videoNodes: [], otherNodes: [] };
      groups.push(current);
      continue;
    }
    const node = /^\s+(\/dev\/\S+)$/.exec(line);
    if (node && current) {
      if (/^\/dev\/video\d+$/.test(node[1]!)) current.videoNodes.push(node[1]!);
      else current.otherNodes.push(node[1]!);
    }
  }
  return groups.filter((g) => g.videoNodes.length + g.otherNodes.length > 0);
}
