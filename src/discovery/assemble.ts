/**
 * From probed nodes to cameras (pure): keeps the capture nodes (capture filter), groups the
 * nodes of one physical device (identity), picks the primary node and the capture mode
 * (mode policy) and derives the capability lists the API reports. Nodes whose probe failed
 * still make an ERROR camera when their physical identity is known without the probe (USB
 * ids from sysfs, or facts of an earlier successful probe), unless udev says they are not
 * capture nodes.
 */
import { classifyNodeCaps, udevSaysCapture, type CaptureVerdict } from './capture-filter.js';
import { groupNodes, identifyNode, pickPrimaryNode, type NodeFacts, type NodeIdentity } from './identity.js';
import { chooseMode, deriveCapabilities, formatRank, type CapabilityLists, type ModeChoice, type ModePolicy } from './mode-policy.js';
import type { PixelFormat } from './v4l2-formats.js';
import type { V4l2Info } from './v4l2-info.js';

/** One node as discovery knows it: facts, and its last probe (or why the probe failed). */
export interface ProbedNode extends NodeFacts {
  /** A probe result: `info` and `formats` of `v4l2-ctl --info --list-formats-ext`. */
  probe?: { info: V4l2Info; formats: PixelFormat[] };
  /** Set when the latest probe failed (the node exists but could not be probed). */
  error?: string;
}

export interface NodeRole {
  devnode: string;
  kind: CaptureVerdict['kind'] | 'unknown';
  capture: boolean;
  primary: boolean;
  error?: string;
}

export interface AssembledCamera {
  identity: NodeIdentity;
  name: string;
  status: 'CONNECTED' | 'ERROR';
  /** Why the camera is in ERROR (no device paths: clients may see it). */
  error?: string;
  /** Devnode of the node the camera is captured from; null in ERROR. */
  primary: string | null;
  mode: ModeChoice | null;
  capabilities: CapabilityLists | null;
  /** Every node at the device's location (capture and not), for the admin debug view. */
  nodes: NodeRole[];
  driver: string | null;
  busInfo: string | null;
}

// Mode choice and capability lists are worth caching: for vivid's 83 formats they cost tens of
// ms on a cold JIT (far more under QEMU TCG), and reconciles reuse the same probe results.
const modeCache = new WeakMap<readonly PixelFormat[], Map<string, ModeChoice | null>>();
const capsCache = new WeakMap<readonly PixelFormat[], CapabilityLists>();

/** chooseMode, memoized per formats array and policy. */
export function modeFor(formats: readonly PixelFormat[], policy: Partial<ModePolicy>): ModeChoice | null {
  const key = JSON.stringify(policy);
  let byPolicy = modeCache.get(formats);
  if (!byPolicy) modeCache.set(formats, (byPolicy = new Map()));
  if (!byPolicy.has(key)) byPolicy.set(key, chooseMode(formats, policy));
  return byPolicy.get(key)!;
}

/** deriveCapabilities of one node's formats, memoized. */
export function capabilitiesFor(formats: readonly PixelFormat[]): CapabilityLists {
  let caps = capsCache.get(formats);
  if (!caps) capsCache.set(formats, (caps = deriveCapabilities(formats)));
  return caps;
}

/** Facts for identity: the probe's driver/card/bus info override what the node record had. */
export function factsOf(n: ProbedNode): NodeFacts {
  const f: NodeFacts = { ...n };
  delete (f as ProbedNode).probe;
  delete (f as ProbedNode).error;
  if (n.probe) {
    f.driver = n.probe.info.driver;
    f.card = n.probe.info.card;
    f.busInfo = n.probe.info.busInfo;
    if (n.probe.info.media) f.mediaSerial = n.probe.info.media.serial;
  }
  return f;
}

export function verdictOf(n: ProbedNode): CaptureVerdict | null {
  return n.probe ? classifyNodeCaps(n.probe.info.nodeCaps) : null;
}

/** Whether a failed node can stand for a camera: its identity does not depend on the probe, and udev does not rule it out. */
function failedCandidate(n: ProbedNode): boolean {
  if (n.error === undefined) return false;
  if (udevSaysCapture(n.udev?.ID_V4L_CAPABILITIES) === false) return false;
  const id = identifyNode(factsOf(n));
  return id.basis !== 'bus-card' || ((n.busInfo ?? n.probe?.info.busInfo ?? '') !== '');
}

/** Whether the latest probe says this node is a capture node (the probe may be stale when `error` is set). */
function isCapture(n: ProbedNode): boolean {
  return n.error === undefined && verdictOf(n)?.capture === true;
}

/**
 * Assembles cameras from every known node. Devices come back in order of their lowest node
 * number (the order new ids are handed out in).
 */
export function assembleCameras(nodes: readonly ProbedNode[], policy: Partial<ModePolicy> = {}): AssembledCamera[] {
  const candidates = nodes.filter((n) => isCapture(n) || failedCandidate(n));
  const devices = groupNodes(candidates.map((n) => ({ ...factsOf(n), original: n })));
  const rank = (fourcc: string): number => formatRank(fourcc, { preferredFormats: policy.preferredFormats ?? ['H264', 'MJPG', 'JPEG'] });
  const out: AssembledCamera[] = [];
  for (const device of devices) {
    const members = device.nodes.map((m) => m.original);
    const capture = members.filter(isCapture);
    const location = device.identity.location;
    // Non-capture nodes of the same device (metadata, output), for the debug view.
    const others = nodes.filter((n) => !members.includes(n) && identifyNode(factsOf(n)).location === location);
    const primary = pickPrimaryNode(
      capture.map((n) => ({ devnode: n.devnode, indexInDevice: n.indexInDevice ?? null, links: n.links ?? [], formats: n.probe!.formats.map((f) => f.fourcc), node: n })),
      rank,
    );
    const roles = (p: string | null): NodeRole[] =>
      [...members, ...others]
        .map((n): NodeRole => {
          const v = verdictOf(n);
          return {
            devnode: n.devnode,
            kind: n.error !== undefined || !v ? 'unknown' : v.kind,
            capture: isCapture(n),
            primary: n.devnode === p,
            ...(n.error !== undefined ? { error: n.error } : {}),
          };
        })
        .sort((a, b) => nodeNumber(a.devnode) - nodeNumber(b.devnode));
    const firstProbe = (primary?.node ?? members.find((n) => n.probe))?.probe;
    const base = {
      identity: device.identity,
      name: device.identity.name,
      driver: firstProbe?.info.driver ?? null,
      busInfo: firstProbe?.info.busInfo ?? null,
    };
    if (!primary) {
      const error = members.find((n) => n.error !== undefined)?.error ?? 'the device could not be probed';
      out.push({ ...base, status: 'ERROR', error, primary: null, mode: null, capabilities: null, nodes: roles(null) });
      continue;
    }
    const mode = modeFor(primary.node.probe!.formats, policy);
    const capabilities = capture.length === 1 ? capabilitiesFor(capture[0]!.probe!.formats) : deriveCapabilities(capture.flatMap((n) => n.probe!.formats));
    if (!mode) {
      out.push({ ...base, status: 'ERROR', error: 'the device offers no capture formats', primary: null, mode: null, capabilities, nodes: roles(null) });
      continue;
    }
    out.push({ ...base, status: 'CONNECTED', primary: primary.devnode, mode, capabilities, nodes: roles(primary.devnode) });
  }
  return out;
}

function nodeNumber(devnode: string): number {
  const m = /(\d+)$/.exec(devnode);
  return m ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
}

/** Identity keys discovery hands out (see identity.ts); other camera sources use other prefixes. */
export function isV4l2IdentityKey(key: string): boolean {
  return key.startsWith('usb:') || key.startsWith('usb@') || key.startsWith('bus:');
}
