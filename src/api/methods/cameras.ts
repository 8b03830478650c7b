/** Camera methods: list, status, capabilities. Device paths reach admins only, under `debug`. */
import type { Camera, CameraRegistry } from '../../cameras/registry.js';
import { fpsToInt } from '../../discovery/mode-policy.js';
import { t } from '../../lib/schema.js';
import { activeRole } from '../session.js';
import { rpcErrors } from '../rpc/errors.js';
import { defineMethod, type CallContext, type MethodDef } from '../rpc/registry.js';

export interface StreamUrls {
  rtsp: string;
  hls: string;
  webrtc: string;
}

/** Runtime figures of a camera's MediaMTX path (zeros when the path does not exist). */
export interface PathFigures {
  bytes_sent: number;
  readers: number;
}

export interface CameraDeps {
  registry: CameraRegistry;
  streamUrls(id: string): StreamUrls;
  /** MediaMTX runtime info of the camera's path; absent: zeros. */
  pathFigures?(id: string): Promise<PathFigures>;
  /** Whether the camera's mode is the policy's choice or an operator's (set_camera_mode). */
  modeSource?(camera: Camera): 'operator' | 'policy';
}

const deviceParam = t.string({ pattern: '^camera[0-9]+$', description: 'Camera id, e.g. camera0.' });

export const cameraSchema = t.object({
  device: t.string({ pattern: '^camera[0-9]+$' }),
  status: t.enum(['CONNECTED', 'DISCONNECTED', 'ERROR'] as const),
  name: t.string(),
  resolution: t.string({ description: 'WxH, empty when unknown' }),
  fps: t.integer(),
  streams: t.object({ rtsp: t.string(), hls: t.string(), webrtc: t.string() }),
});

/** The contract's Camera object. */
export function cameraView(c: Camera, urls: StreamUrls) {
  return {
    device: c.id,
    status: c.status,
    name: c.name,
    resolution: c.mode ? `${c.mode.width}x${c.mode.height}` : '',
    fps: c.mode ? fpsToInt(c.mode.fps) : 0,
    streams: urls,
  };
}

/** get_camera_capabilities' validation_status: CONFIRMED when probed on a present camera. */
export function validationStatus(c: Camera): 'NONE' | 'DISCONNECTED' | 'CONFIRMED' {
  if (c.status === 'DISCONNECTED') return 'DISCONNECTED';
  return c.status === 'CONNECTED' && c.capabilities ? 'CONFIRMED' : 'NONE';
}

const isAdmin = (ctx: CallContext): boolean => activeRole(ctx.session, Date.now()) === 'admin';

function cameraOrThrow(registry: CameraRegistry, id: string): Camera {
  const camera = registry.get(id);
  if (!camera) throw rpcErrors.notFound('camera', id);
  return camera;
}

export function cameraMethods(deps: CameraDeps): MethodDef[] {
  return [
    defineMethod({
      name: 'get_camera_list',
      minRole: 'viewer',
      summary: 'Every known camera, present or not.',
      params: t.object({}),
      result: t.object({ cameras: t.array(cameraSchema), total: t.integer(), connected: t.integer() }),
      handler: () => {
        const cameras = deps.registry.list().map((c) => cameraView(c, deps.streamUrls(c.id)));
        return { cameras, total: cameras.length, connected: cameras.filter((c) => c.status === 'CONNECTED').length };
      },
    }),
    defineMethod({
      name: 'get_camera_status',
      minRole: 'viewer',
      summary: 'One camera with its stream figures and capabilities; admins also get `debug` (device nodes, identity).',
      params: t.object({ device: deviceParam }),
      result: t.object({
        ...cameraSchema.properties!,
        metrics: t.object({ bytes_sent: t.integer(), readers: t.integer(), uptime: t.integer({ description: 'Seconds since the camera connected; 0 when it is not connected.' }) }),
        capabilities: t.object({ formats: t.array(t.string()), resolutions: t.array(t.string()) }),
        mode: t.optional(
          t.object(
            { format: t.string(), width: t.integer(), height: t.integer(), fps: t.number({ description: 'as offered by the device (may be fractional)' }), source: t.enum(['policy', 'operator'] as const) },
            { description: 'Extension: the capture mode in use and who chose it (the mode policy, or an operator with set_camera_mode); absent when unknown.' },
          ),
        ),
        debug: t.optional(t.unknown({ description: 'Admins only: device nodes, identity key, driver, mode choice.' })),
      }),
      handler: async (p, ctx) => {
        const camera = cameraOrThrow(deps.registry, p.device);
        const figures = camera.status === 'CONNECTED' && deps.pathFigures ? await deps.pathFigures(camera.id) : { bytes_sent: 0, readers: 0 };
        const uptime = camera.status === 'CONNECTED' ? Math.max(0, Math.floor((Date.now() - camera.since) / 1000)) : 0;
        return {
          ...cameraView(camera, deps.streamUrls(camera.id)),
          metrics: { bytes_sent: figures.bytes_sent, readers: figures.readers, uptime },
          capabilities: { formats: camera.capabilities?.formats ?? [], resolutions: camera.capabilities?.resolutions ?? [] },
          ...(camera.mode ? { mode: { ...camera.mode, source: deps.modeSource?.(camera) ?? 'policy' } } : {}),
          ...(isAdmin(ctx) && camera.debug ? { debug: camera.debug } : {}),
        };
      },
    }),
    defineMethod({
      name: 'get_camera_capabilities',
      minRole: 'viewer',
      summary: 'Formats, resolutions and frame rates the camera offers (last known ones for a disconnected camera).',
      params: t.object({ device: deviceParam }),
      result: t.object({
        device: t.string(),
        formats: t.array(t.string({ description: 'fourcc, e.g. YUYV, MJPG, H264' })),
        resolutions: t.array(t.string({ description: 'WxH, largest first' })),
        fps_options: t.array(t.integer(), { description: 'Whole frame rates, highest first.' }),
        frame_rates: t.array(t.integer(), { description: 'Same as fps_options (for older clients).' }),
        validation_status: t.enum(['NONE', 'DISCONNECTED', 'CONFIRMED'] as const),
      }),
      handler: (p) => {
        const camera = cameraOrThrow(deps.registry, p.device);
        const caps = camera.capabilities;
        const fps = caps?.fps_options ?? [];
        return {
          device: camera.id,
          formats: caps?.formats ?? [],
          resolutions: caps?.resolutions ?? [],
          fps_options: fps,
          frame_rates: [...fps],
          validation_status: validationStatus(camera),
        };
      },
    }),
  ];
}
