/**
 * The connected-set state machine's pure parts: the camera an assembled device (or an absent
 * one) becomes in the registry, and what a change from `previous` to `next` announces
 * (capability events, the hotplug event that caused it).
 */
import type { Camera } from '../cameras/registry.js';
import type { AssembledCamera } from './assemble.js';
import type { ModeChoice } from './mode-policy.js';
import type { Trigger } from './node-record.js';
import type { PixelFormat } from './v4l2-formats.js';

export type CameraRecord = Omit<Camera, 'since'>;

/** `formats`: the primary node's; `override`: the operator's mode for this identity, if any. */
export function cameraOf(id: string, a: AssembledCamera, formats: readonly PixelFormat[] | undefined, override?: (identity: string, formats: readonly PixelFormat[]) => ModeChoice | undefined): CameraRecord {
  const debug: Record<string, unknown> = {
    identity: a.identity.key,
    aliases: a.identity.aliases,
    basis: a.identity.basis,
    nodes: a.nodes,
    driver: a.driver,
    bus_info: a.busInfo,
  };
  if (a.primary) debug.device = a.primary;
  const chosen = a.mode && formats && a.status === 'CONNECTED' ? override?.(a.identity.key, formats) : undefined;
  const mode = chosen ?? a.mode;
  if (mode) {
    debug.frame_interval = mode.interval;
    debug.mode_reason = mode.reason;
    debug.mode_source = chosen ? 'operator' : 'policy';
  }
  return {
    id,
    kind: 'v4l2',
    name: a.name,
    status: a.status,
    ...(mode ? { mode: { format: mode.format, width: mode.width, height: mode.height, fps: mode.fps } } : {}),
    ...(a.capabilities ? { capabilities: a.capabilities } : {}),
    ...(a.error !== undefined ? { error: a.error } : {}),
    debug,
  };
}

/** A known camera that is not present: DISCONNECTED, keeping its last name, mode and capabilities. */
export function disconnectedCamera(id: string, identity: string, aliases: string[], name: string | undefined, previous: Camera | undefined): CameraRecord {
  return {
    id,
    kind: 'v4l2',
    name: previous?.name ?? name ?? id,
    status: 'DISCONNECTED',
    ...(previous?.mode ? { mode: previous.mode } : {}),
    ...(previous?.capabilities ? { capabilities: previous.capabilities } : {}),
    debug: { identity, aliases, nodes: [] },
  };
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The capability event a change announces, if any. */
export function capabilityEvent(previous: Camera | undefined, next: Camera): 'capability_detected' | 'capability_error' | undefined {
  if (next.status === 'CONNECTED' && (previous?.status !== 'CONNECTED' || !same(previous.capabilities, next.capabilities) || !same(previous.mode, next.mode))) {
    return 'capability_detected';
  }
  if (next.status === 'ERROR' && (previous?.status !== 'ERROR' || previous.error !== next.error)) return 'capability_error';
  return undefined;
}

/** The earliest hotplug event (not the start-up listing) on one of the camera's nodes that explains its new status. */
export function causeOf(triggers: readonly Trigger[], next: Camera, nodeNames: ReadonlySet<string>): Trigger | undefined {
  const action = next.status === 'DISCONNECTED' ? 'remove' : 'add';
  return triggers.filter((t) => t.action === action && nodeNames.has(t.name) && t.source !== 'startup').sort((x, y) => x.at - y.at)[0];
}
