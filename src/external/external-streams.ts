/**
 * External (network) RTSP streams: added ones become MediaMTX paths that pull their source on
 * demand, persisted across restarts; discovery scans configured hosts for Skydio and generic
 * RTSP streams with real OPTIONS/DESCRIBE probes, on request or on a schedule.
 */
import type { MediaMtxApi, PathInfo } from '../mediamtx/api-client.js';
import type { PathReconciler } from '../mediamtx/path-reconciler.js';
import type { Logger } from '../observability/logger.js';
import { t } from '../lib/schema.js';
import { redactUrlCredentials } from './redact.js';
import { loadStateFile, writeStateFile } from '../lib/state-file.js';
import type { ScanOptions, ScanTarget, StreamType } from './scan-plan.js';

export interface AddedStream {
  name: string;
  url: string;
  type: StreamType;
  added_at: string;
}

export interface DiscoveredStream {
  url: string;
  type: StreamType;
  name: string;
  status: 'DISCOVERED' | 'OFFLINE' | 'AUTH_REQUIRED';
  discovered_at: string;
  last_seen: string;
  capabilities: { media?: { kind: string; codec: string }[] };
}

export interface ExternalEntry {
  url: string;
  type: StreamType;
  name: string;
  status: string;
  discovered_at: string;
  last_seen: string | null;
  capabilities: Record<string, unknown>;
}

export interface ScanResult {
  found: DiscoveredStream[];
  errors: string[];
  durationS: number;
  timestamp: string;
  targets: number;
}

export interface ExternalStreamsOptions {
  file: string;
  reconciler: PathReconciler;
  mediamtx: MediaMtxApi;
  log: Logger;
  discovery: Omit<ScanOptions, 'skydio' | 'generic'> & { enabled: boolean; skydio: boolean; generic: boolean; timeoutMs: number; concurrency: number };
  intervalS: number;
}

/** An external stream's MediaMTX path name: letters, digits, _ and -, not a camera id. */
export const EXTERNAL_NAME_PATTERN = '^(?!camera[0-9]+$)[A-Za-z0-9_-]{1,64}$';

/** `external-streams.json`. */
export const externalStreamsSchema = t.object(
  {
    version: t.optional(t.integer({ minimum: 1 })),
    streams: t.array(
      t.object(
        {
          name: t.string({ pattern: EXTERNAL_NAME_PATTERN }),
          url: t.string({ pattern: '^rtsps?://' }),
          type: t.enum(['skydio_eo', 'skydio_ir', 'generic_rtsp'] as const),
          added_at: t.string(),
        },
        { additionalProperties: true },
      ),
    ),
  },
  { additionalProperties: true },
);

export class ExternalStreams {
  #added: AddedStream[];
  readonly #discovered = new Map<string, DiscoveredStream>();
  #intervalS: number;
  #timer: NodeJS.Timeout | undefined;
  #scanning: Promise<ScanResult> | undefined;

  constructor(private readonly o: ExternalStreamsOptions) {
    this.#added = loadStateFile(o.file, {
      schema: externalStreamsSchema,
      fallback: () => ({ streams: [] }),
      holds: 'external streams added with add_external_stream (add them again)',
      log: o.log,
    }).value.streams.map((x) => ({ name: x.name, url: x.url, type: x.type, added_at: x.added_at }));
    this.#intervalS = o.intervalS;
  }

  get discoveryEnabled(): boolean {
    return this.o.discovery.enabled;
  }

  get intervalS(): number {
    return this.#intervalS;
  }

  /** Declares the persisted streams' paths and starts scheduled scans. */
  async start(): Promise<void> {
    this.#schedule();
    await Promise.all(this.#added.map((s) => this.o.reconciler.set(s.name, pathConf(s.url)).catch(() => undefined)));
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  byName(name: string): AddedStream | undefined {
    return this.#added.find((s) => s.name === name);
  }

  byUrl(url: string): AddedStream | undefined {
    return this.#added.find((s) => s.url === url);
  }

  /** The added stream a caller means by `url`: its full URL, or the redacted form a non-admin was shown (when unambiguous). */
  byShownUrl(url: string): AddedStream | undefined {
    const exact = this.byUrl(url);
    if (exact) return exact;
    const shown = this.#added.filter((s) => redactUrlCredentials(s.url) === url);
    return shown.length === 1 ? shown[0] : undefined;
  }

  async add(stream: Omit<AddedStream, 'added_at'>): Promise<AddedStream> {
    const entry = { ...stream, added_at: new Date().toISOString() };
    this.#added = [...this.#added, entry];
    this.#save();
    await this.o.reconciler.set(entry.name, pathConf(entry.url));
    return entry;
  }

  async remove(url: string): Promise<AddedStream | undefined> {
    const entry = this.byShownUrl(url);
    if (!entry) return undefined;
    this.#added = this.#added.filter((s) => s !== entry);
    this.#save();
    await this.o.reconciler.remove(entry.name);
    return entry;
  }

  /** Every known external stream: added ones (status from MediaMTX) and discovered ones. */
  async list(): Promise<ExternalEntry[]> {
    let paths = new Map<string, PathInfo>();
    try {
      paths = new Map((await this.o.mediamtx.listPaths()).map((p) => [p.name, p]));
    } catch {
      /* MediaMTX away: statuses say so */
    }
    const out: ExternalEntry[] = this.#added.map((s) => {
      const info = paths.get(s.name);
      const seen = this.#discovered.get(s.url);
      return {
        url: s.url,
        type: s.type,
        name: s.name,
        status: !info ? 'UNAVAILABLE' : info.available ? 'ONLINE' : 'ADDED',
        discovered_at: seen?.discovered_at ?? s.added_at,
        last_seen: info?.available ? new Date().toISOString() : (seen?.last_seen ?? null),
        capabilities: { path: s.name, readers: info?.readers.length ?? 0, ...(seen?.capabilities ?? {}) },
      };
    });
    for (const d of this.#discovered.values()) if (!this.byUrl(d.url)) out.push({ ...d });
    return out;
  }

  /** One scan (coalesced with a scan under way). */
  scan(overrides: { skydio?: boolean; generic?: boolean } = {}): Promise<ScanResult> {
    this.#scanning ??= this.#scan(overrides).finally(() => (this.#scanning = undefined));
    return this.#scanning;
  }

  discovered(includeOffline: boolean): DiscoveredStream[] {
    return [...this.#discovered.values()].filter((d) => includeOffline || d.status !== 'OFFLINE');
  }

  setInterval(seconds: number): void {
    this.#intervalS = seconds;
    this.#schedule();
  }

  #schedule(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (!this.o.discovery.enabled || this.#intervalS === 0) return;
    this.#timer = setInterval(() => void this.scan().catch((err: Error) => this.o.log.warn({ err: err.message }, 'scheduled stream scan failed')), this.#intervalS * 1000);
    this.#timer.unref();
  }

  async #scan(overrides: { skydio?: boolean; generic?: boolean }): Promise<ScanResult> {
    const d = this.o.discovery;
    const started = performance.now();
    const errors: string[] = [];
    // Loaded on the first scan: a service that never scans does not hold the RTSP prober.
    const [{ scanTargets }, { probeRtsp }, { mapLimit }] = await Promise.all([import('./scan-plan.js'), import('./rtsp-probe.js'), import('../lib/map-limit.js')]);
    let targets: ScanTarget[];
    try {
      targets = scanTargets({ ...d, skydio: overrides.skydio ?? d.skydio, generic: overrides.generic ?? d.generic });
    } catch (err) {
      errors.push((err as Error).message);
      targets = [];
    }
    const results = await mapLimit(targets, d.concurrency, (t) => probeRtsp(t.url, d.timeoutMs));
    const now = new Date().toISOString();
    const found: DiscoveredStream[] = [];
    results.forEach((r, i) => {
      const target = targets[i]!;
      const prev = this.#discovered.get(r.url);
      if (r.found || r.authRequired) {
        const entry: DiscoveredStream = {
          url: r.url,
          type: target.type,
          name: `${target.type}_${target.host}_${target.port}${target.path}`.replace(/[^A-Za-z0-9_-]/g, '_'),
          status: r.found ? 'DISCOVERED' : 'AUTH_REQUIRED',
          discovered_at: prev?.discovered_at ?? now,
          last_seen: now,
          capabilities: { media: r.media },
        };
        this.#discovered.set(r.url, entry);
        found.push(entry);
      } else if (prev) {
        prev.status = 'OFFLINE';
      }
    });
    return { found, errors, durationS: Math.round(performance.now() - started) / 1000, timestamp: now, targets: targets.length };
  }

  #save(): void {
    writeStateFile(this.o.file, { version: 1, streams: this.#added });
  }
}

function pathConf(url: string) {
  return { source: url, sourceOnDemand: true };
}

