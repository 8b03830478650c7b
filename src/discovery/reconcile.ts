/**
 * The connected set: reconciles the node records into the CameraRegistry. Assembles cameras
 * (pure), takes ids from the shared id store, upserts CONNECTED / ERROR / DISCONNECTED,
 * observes the detection latency of the hotplug event that caused a change, and announces
 * capability changes. The service calls `reconcile` when no probe is pending (and at once for
 * removals).
 */
import { performance } from 'node:perf_hooks';
import type { CameraIdStore } from '../cameras/id-store.js';
import type { Camera, CameraRegistry } from '../cameras/registry.js';
import type { Logger } from '../observability/logger.js';
import { assembleCameras, isV4l2IdentityKey, type AssembledCamera } from './assemble.js';
import { cameraOf, capabilityEvent, causeOf, disconnectedCamera, type CameraRecord } from './camera-state.js';
import type { DiscoveryMetrics } from './metrics.js';
import type { ModeChoice, ModePolicy } from './mode-policy.js';
import { probedNodeOf, type NodeRecord, type Trigger } from './node-record.js';
import type { PixelFormat } from './v4l2-formats.js';

export interface ReconcilerDeps {
  registry: CameraRegistry;
  ids: CameraIdStore;
  metrics: DiscoveryMetrics;
  log: Logger;
  modeOverride?(identity: string, formats: readonly PixelFormat[]): ModeChoice | undefined;
  announce(event: 'capability_detected' | 'capability_error', camera: Camera): void;
}

export class CameraReconciler {
  /** Hotplug events not yet explained by a camera change. */
  triggers: Trigger[] = [];
  /** Node names of each camera at the last reconcile (to attribute removals). */
  readonly #nodesById = new Map<string, Set<string>>();

  constructor(private readonly d: ReconcilerDeps) {}

  connectedIds(): string[] {
    return this.d.registry.list().filter((c) => c.kind === 'v4l2' && c.status === 'CONNECTED').map((c) => c.id);
  }

  reconcile(nodes: ReadonlyMap<string, NodeRecord>, policy: Partial<ModePolicy>): void {
    const { registry, ids } = this.d;
    // Nodes seen but never probed yet (queued, probing, waiting for permission).
    const unsettled = [...nodes.values()].filter((r) => !r.probe && r.error === undefined);
    const considered = [...nodes.values()].filter((r) => r.probe || r.error !== undefined);
    const assembled = assembleCameras(considered.map(probedNodeOf), policy);
    // While nodes are unsettled, only cameras that already have an id are updated: new ids
    // are handed out when every node is known, in node order.
    const entries = ids.entries();
    const known = (a: AssembledCamera) => entries.some((e) => e.identity === a.identity.key || a.identity.aliases.includes(e.identity));
    const ready = unsettled.length > 0 ? assembled.filter(known) : assembled;
    const idOf = ids.assign(ready.map((a) => ({ identity: a.identity.key, aliases: a.identity.aliases, name: a.name })));

    const present = new Set<string>();
    const nodesById = new Map<string, Set<string>>();
    for (const a of ready) {
      const id = idOf.get(a.identity.key);
      if (!id) continue;
      present.add(id);
      nodesById.set(id, new Set(a.nodes.map((n) => n.devnode.replace(/^.*\//, ''))));
      const formats = a.primary ? nodes.get(a.primary.replace(/^.*\//, ''))?.probe?.formats : undefined;
      this.#apply(id, cameraOf(id, a, formats, this.d.modeOverride?.bind(this.d)), nodesById.get(id)!);
    }
    for (const e of ids.entries()) {
      if (!isV4l2IdentityKey(e.identity) || present.has(e.id)) continue;
      const previous = registry.get(e.id);
      if (previous && previous.kind !== 'v4l2') continue;
      if (previous?.status === 'DISCONNECTED') continue;
      this.#apply(e.id, disconnectedCamera(e.id, e.identity, e.aliases ?? [], e.name, previous), this.#nodesById.get(e.id) ?? new Set());
    }
    for (const [id, names] of nodesById) this.#nodesById.set(id, names);
    // Triggers of nodes that are still unsettled wait for the next round.
    const waiting = new Set(unsettled.map((r) => r.name));
    const horizon = performance.now() - 60_000;
    this.triggers = this.triggers.filter((t) => t.action === 'add' && waiting.has(t.name) && t.at > horizon);
  }

  /** Upserts one camera (notifications are written synchronously by the registry's listeners), then metrics and events. */
  #apply(id: string, camera: CameraRecord, nodeNames: Set<string>): void {
    const previous = this.d.registry.get(id);
    const next = this.d.registry.upsert(camera);
    const written = performance.now();
    if (previous?.status !== next.status) {
      const cause = causeOf(this.triggers, next, nodeNames);
      const change = next.status.toLowerCase();
      if (cause) {
        const seconds = (written - cause.at) / 1000;
        this.d.metrics.detectionLatency.observe({ source: cause.source, change }, seconds);
        this.d.log.info({ camera: id, status: next.status, node: cause.name, source: cause.source, latency_ms: Math.round(seconds * 10000) / 10 }, `camera ${change}`);
      } else {
        this.d.log.info({ camera: id, status: next.status, ...(next.error ? { reason: next.error } : {}) }, `camera ${change}`);
      }
    }
    const event = capabilityEvent(previous, next);
    if (event) this.d.announce(event, next);
  }
}
