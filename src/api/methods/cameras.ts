/** Camera methods: list (more land with discovery). */
import type { Camera, CameraRegistry } from '../../cameras/registry.js';
import { t } from '../../lib/schema.js';
import { defineMethod, type MethodDef } from '../rpc/registry.js';

export interface StreamUrls {
  rtsp: string;
  hls: string;
  webrtc: string;
}

export interface CameraDeps {
  registry: CameraRegistry;
  streamUrls(id: string): StreamUrls;
}

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
    fps: c.mode?.fps ?? 0,
    streams: urls,
  };
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
  ];
}
