/** start_streaming, stop_streaming, get_stream_url, get_stream_status, get_streams. */
import { redactUrlCredentials } from '../../external/redact.js';
import type { CameraRegistry } from '../../cameras/registry.js';
import { t } from '../../lib/schema.js';
import type { StreamManager } from '../../streaming/stream-manager.js';
import { formatCommand } from '../../streaming/templates/render.js';
import { rpcErrors } from '../rpc/errors.js';
import { defineMethod, type MethodDef } from '../rpc/registry.js';
import { activeRole } from '../session.js';
import type { StreamUrls } from './cameras.js';

export interface StreamDeps {
  registry: CameraRegistry;
  streams: StreamManager;
  streamUrls(id: string): StreamUrls;
  autoCloseAfterS: number;
}

const device = t.object({ device: t.string({ pattern: '^camera[0-9]+$', description: 'camera id' }) });
const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

export function streamMethods(d: StreamDeps): MethodDef[] {
  const connected = (id: string) => {
    const camera = d.registry.get(id);
    if (!camera) throw rpcErrors.notFound('camera', id);
    if (camera.status !== 'CONNECTED') throw rpcErrors.invalidState(`camera ${id} is ${camera.status}`, camera.status, ['CONNECTED']);
    return camera;
  };
  const known = (id: string) => {
    const camera = d.registry.get(id);
    if (!camera) throw rpcErrors.notFound('camera', id);
    return camera;
  };

  return [
    defineMethod({
      name: 'start_streaming',
      minRole: 'operator',
      summary: 'Starts publishing a camera; the session ends after auto_close_after without readers.',
      params: device,
      result: t.object({
        device: t.string(), stream_name: t.string(), stream_url: t.string(), status: t.enum(['STARTED'] as const),
        start_time: t.string(), auto_close_after: t.string(), ffmpeg_command: t.string(),
      }),
      handler: async ({ device: id }, { session }) => {
        const camera = connected(id);
        let started;
        try {
          started = await d.streams.startApiSession(id);
        } catch (err) {
          throw rpcErrors.dependency('ffmpeg', `the stream of ${id} could not be started`, (err as Error).message);
        }
        const admin = activeRole(session, Date.now()) === 'admin';
        const device = camera.debug?.device;
        // The publish URL's credentials are never shown (issue 15 defect 6).
        const argv = (started.plan?.argv ?? []).map((a) => (!admin && typeof device === 'string' && a === device ? `<${id}>` : redactUrlCredentials(a)));
        return {
          device: id,
          stream_name: id,
          stream_url: d.streamUrls(id).rtsp,
          status: 'STARTED' as const,
          start_time: new Date(started.startedAt).toISOString(),
          auto_close_after: `${d.autoCloseAfterS}s`,
          ffmpeg_command: formatCommand(argv),
        };
      },
    }),
    defineMethod({
      name: 'stop_streaming',
      minRole: 'operator',
      summary: 'Ends the start_streaming session; the stream continues while readers, recordings or always_on mode need it.',
      params: device,
      result: t.object({
        device: t.string(), stream_name: t.string(), status: t.enum(['STOPPED'] as const), start_time: t.string(),
        end_time: t.string(), duration: t.number(), stream_continues: t.boolean(), message: t.optional(t.string()),
      }),
      handler: async ({ device: id }) => {
        known(id);
        const end = Date.now();
        const { startedAt, continues } = await d.streams.stopApiSession(id);
        const users = d.streams.users(id);
        return {
          device: id,
          stream_name: id,
          status: 'STOPPED' as const,
          start_time: new Date(startedAt ?? end).toISOString(),
          end_time: new Date(end).toISOString(),
          duration: startedAt === undefined ? 0 : Math.round((end - startedAt) / 100) / 10,
          stream_continues: continues,
          ...(startedAt === undefined ? { message: 'no start_streaming session was active' } : {}),
          ...(continues ? { message: `the stream continues for: ${users.map((u) => u.split(':')[0]).join(', ')}` } : {}),
        };
      },
    }),
    defineMethod({
      name: 'get_stream_url',
      minRole: 'viewer',
      summary: 'The RTSP URL of a camera and whether it is streaming now.',
      description: 'The URL carries no credentials: a reader presents its JWT or API key (viewer role or higher) as the RTSP password (`rtsp://any:<token>@host:port/camera0`) or as `?token=<token>` (see Reading media).',
      params: device,
      result: t.object({
        device: t.string(), stream_name: t.string(), stream_url: t.string(), available: t.boolean(), active_consumers: t.integer(),
        stream_status: t.enum(['READY', 'NOT_READY', 'ERROR'] as const),
      }),
      handler: async ({ device: id }) => {
        known(id);
        const info = await d.streams.pathInfo(id);
        const sup = d.streams.publisher(id).supervisor;
        const failed = sup?.state === 'failed' || (sup?.state === 'backoff' && sup.lastExit?.error);
        return {
          device: id,
          stream_name: id,
          stream_url: d.streamUrls(id).rtsp,
          available: info?.available ?? false,
          active_consumers: info?.readers.length ?? 0,
          stream_status: failed ? ('ERROR' as const) : info?.available ? ('READY' as const) : ('NOT_READY' as const),
        };
      },
    }),
    defineMethod({
      name: 'get_stream_status',
      minRole: 'viewer',
      summary: 'Publisher process, MediaMTX path and throughput of a camera\'s stream.',
      params: device,
      result: t.object({
        device: t.string(), stream_name: t.string(), status: t.enum(['ACTIVE', 'INACTIVE', 'ERROR', 'STARTING', 'STOPPING'] as const),
        ready: t.boolean(),
        ffmpeg_process: t.object({ running: t.boolean(), pid: t.unknown({ description: 'integer or null' }), uptime: t.number() }),
        mediamtx_path: t.object({ exists: t.boolean(), ready: t.boolean(), readers: t.integer() }),
        metrics: t.object({ bytes_sent: t.integer(), frames_sent: t.integer(), bitrate: t.number(), fps: t.number() }),
        start_time: t.unknown({ description: 'ISO 8601 or null' }),
        template: t.optional(t.unknown()),
      }),
      handler: async ({ device: id }, { session }) => {
        known(id);
        const [info, pub] = [await d.streams.pathInfo(id), d.streams.publisher(id)];
        const sup = pub.supervisor;
        const ready = info?.available ?? false;
        let status: 'ACTIVE' | 'INACTIVE' | 'ERROR' | 'STARTING' | 'STOPPING' = 'INACTIVE';
        if (pub.stopping) status = 'STOPPING';
        else if (sup?.state === 'failed' || (sup?.state === 'backoff' && sup.lastExit?.error)) status = 'ERROR';
        else if (sup?.running && ready) status = 'ACTIVE';
        else if (sup) status = 'STARTING';
        const progress = sup?.progress;
        return {
          device: id,
          stream_name: id,
          status,
          ready,
          ffmpeg_process: { running: sup?.running ?? false, pid: sup?.pid ?? null, uptime: Math.round((sup?.uptimeMs ?? 0) / 100) / 10 },
          mediamtx_path: { exists: info !== undefined, ready, readers: info?.readers.length ?? 0 },
          metrics: {
            bytes_sent: info?.outboundBytes ?? 0,
            frames_sent: progress?.frame ?? 0,
            // Over RTSP FFmpeg reports no bitrate: derive it from what MediaMTX received.
            bitrate: progress?.bitrateKbps ?? (info && sup?.uptimeMs ? Math.round((info.inboundBytes * 8) / sup.uptimeMs) : 0),
            fps: progress?.fps ?? 0,
          },
          start_time: iso(pub.since),
          ...(pub.plan
            ? { template: { name: pub.plan.template, reason: pub.plan.reason, ...(activeRole(session, Date.now()) === 'admin' ? { debug: { argv: pub.plan.argv.map(redactUrlCredentials), users: pub.users } } : {}) } }
            : {}),
        };
      },
    }),
    defineMethod({
      name: 'get_streams',
      minRole: 'viewer',
      summary: 'Every camera stream path in MediaMTX.',
      params: t.object({}),
      result: t.array(t.object({ name: t.string(), source: t.string(), ready: t.boolean(), readers: t.integer(), bytes_sent: t.integer() })),
      handler: async () => {
        let paths;
        try {
          paths = await d.streams.allPaths();
        } catch (err) {
          throw rpcErrors.dependency('mediamtx', 'MediaMTX did not list its paths', (err as Error).message);
        }
        return paths
          .filter((p) => d.registry.get(p.name))
          .map((p) => ({ name: p.name, source: p.source?.type ?? '', ready: p.available, readers: p.readers.length, bytes_sent: p.outboundBytes }));
      },
    }),
  ];
}
