/**
 * Builds the streaming capability from config: template catalog, stream manager, on-demand
 * endpoint. The composition root calls this and wires the result to the API and events.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testPatternSource } from '../cameras/test-patterns.js';
import type { Camera, CameraRegistry } from '../cameras/registry.js';
import type { Config } from '../config/schema.js';
import type { MediaMtxApi } from '../mediamtx/api-client.js';
import type { PathReconciler } from '../mediamtx/path-reconciler.js';
import { INTERNAL_HOST, localRtspUrl, withCredentials } from '../lib/net.js';
import type { Logger } from '../observability/logger.js';
import { DemandEndpoint } from './demand-endpoint.js';
import { ensureTestLoop } from './ffmpeg/test-loop.js';
import { StreamManager, type StreamMode } from './stream-manager.js';
import { defaultTemplatesDir, loadTemplatesSync, type TemplateCatalog } from './templates/catalog.js';
import { planPublish, type PublishContext, type SelectOptions, type StreamSource } from './templates/select.js';

// Copied beside this module by the build (scripts/build-assets.mjs).
const HOOK = fileURLToPath(new URL('./on-demand-hook.sh', import.meta.url));

export interface StreamingDeps {
  config: Config;
  registry: CameraRegistry;
  reconciler: PathReconciler;
  mediamtx: MediaMtxApi;
  log: Logger;
  /** Port of the listener serving the /internal/ routes (lib/net.ts internalBaseUrl), known once it listens. */
  servicePort(): number;
  /** Awaited before a publisher starts (camera settings re-applied). */
  beforePublish?(cameraId: string): Promise<void>;
  /** Credentials publishing to MediaMTX needs (managed mode). */
  publishCredentials?: { user: string; pass: string };
}

export interface Streaming {
  catalog: TemplateCatalog;
  streams: StreamManager;
  demand: DemandEndpoint;
  /**
   * The clip an idle camera's stream would start from, when that is a file: a test-pattern
   * camera replaying its pre-encoded loop (no template override). Its first picture is the
   * first picture a reader of the stream would get.
   */
  idleClip(id: string): Promise<string | undefined>;
}

/** A camera's publisher source: its chosen V4L2 mode, or its test pattern. */
export function sourceOf(camera: Camera): StreamSource | undefined {
  const pattern = testPatternSource(camera);
  if (pattern) return { kind: 'test-pattern', width: pattern.width, height: pattern.height, fps: pattern.fps, loop: pattern.loop };
  const device = camera.debug?.device;
  if (camera.kind === 'v4l2' && camera.mode && typeof device === 'string') {
    const interval = camera.debug?.frame_interval as { num: number; den: number } | undefined;
    return { kind: 'v4l2', device, fourcc: camera.mode.format, width: camera.mode.width, height: camera.mode.height, fps: camera.mode.fps, frameInterval: interval ?? null };
  }
  return undefined;
}

const quote = (arg: string) => (/^[A-Za-z0-9_./:-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'"'"'`)}'`);

export function createStreaming(d: StreamingDeps): Streaming {
  const cfg = d.config.streaming;
  // A bad template stops the service here, with the file named in the error.
  const catalog = loadTemplatesSync(cfg.templates_dir || defaultTemplatesDir());
  const serviceHost = INTERNAL_HOST;
  const loopCache = join(d.config.storage.state_path, 'cache', 'test-loops');
  const modeOf = (id: string): StreamMode => cfg.overrides[id]?.mode ?? cfg.default_mode;
  let demand: DemandEndpoint | undefined;

  const streams = new StreamManager({
    registry: d.registry,
    reconciler: d.reconciler,
    mediamtx: d.mediamtx,
    log: d.log,
    sourceOf,
    modeOf,
    plan: async (id, source) => {
      const ctx: PublishContext & SelectOptions & { binary: string } = {
        publishUrl: withCredentials(localRtspUrl(d.config, id), d.publishCredentials),
        binary: cfg.ffmpeg_binary,
        ...(cfg.overrides[id]?.template ? { template: cfg.overrides[id]!.template! } : {}),
        ...(cfg.hardware_encoder ? { hardware: cfg.hardware_encoder } : {}),
      };
      if (source.kind === 'test-pattern' && source.loop) {
        ctx.loopFile = await ensureTestLoop({ cacheDir: loopCache, lookup: catalog, width: source.width, height: source.height, fps: source.fps, binary: cfg.ffmpeg_binary });
      }
      return planPublish(source, catalog, ctx);
    },
    onDemandCommand: (id) => [HOOK, serviceHost, String(d.servicePort()), demand!.token, id].map(quote).join(' '),
    ...(d.beforePublish ? { beforePublish: d.beforePublish } : {}),
    readerCloseAfterS: cfg.reader_close_after_s,
    autoCloseAfterS: cfg.auto_close_after_s,
    stopGraceMs: cfg.stop_grace_ms,
    stallTimeoutS: cfg.stall_timeout_s,
  });
  demand = new DemandEndpoint(streams, d.log);
  const idleClip = async (id: string): Promise<string | undefined> => {
    const camera = d.registry.get(id);
    const source = camera?.status === 'CONNECTED' ? sourceOf(camera) : undefined;
    if (source?.kind !== 'test-pattern' || !source.loop || cfg.overrides[id]?.template) return undefined;
    return ensureTestLoop({ cacheDir: loopCache, lookup: catalog, width: source.width, height: source.height, fps: source.fps, binary: cfg.ffmpeg_binary });
  };
  return { catalog, streams, demand, idleClip };
}
