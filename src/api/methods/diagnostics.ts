/** get_camera_diagnostics (admin): why is this camera not streaming? */
import { redactUrlCredentials } from '../../external/redact.js';
import { basename } from 'node:path';
import type { CameraRegistry } from '../../cameras/registry.js';
import { t } from '../../lib/schema.js';
import type { StreamManager } from '../../streaming/stream-manager.js';
import { rpcErrors } from '../rpc/errors.js';
import { defineMethod, type MethodDef } from '../rpc/registry.js';

export interface DiagnosticsDeps {
  registry: CameraRegistry;
  streams: StreamManager;
  mediamtxUp(): boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function diagnosticsMethods(d: DiagnosticsDeps): MethodDef[] {
  return [
    defineMethod({
      name: 'get_camera_diagnostics',
      minRole: 'admin',
      summary: 'Why a camera is (not) streaming: summary, state transitions, FFmpeg exits and stderr, MediaMTX path, device holders, USB, kernel messages.',
      params: t.object({ device: t.string({ pattern: '^camera[0-9]+$' }) }),
      result: t.object({
        device: t.string(),
        summary: t.string(),
        status: t.string(),
        since: t.string(),
        error: t.unknown(),
        transitions: t.array(t.object({ at: t.string(), from: t.unknown(), to: t.string(), reason: t.optional(t.string()) })),
        stream: t.record(t.unknown()),
        mediamtx_path: t.unknown(),
        device_info: t.record(t.unknown()),
        device_holders: t.array(t.object({ pid: t.integer(), command: t.string() })),
        usb: t.unknown(),
        kernel_messages: t.unknown(),
      }),
      handler: async ({ device: id }) => {
        const camera = d.registry.get(id);
        if (!camera) throw rpcErrors.notFound('camera', id);
        const pub = d.streams.publisher(id);
        const sup = pub.supervisor;
        const node = typeof camera.debug?.device === 'string' ? camera.debug.device : undefined;
        // Loaded on the first call (an admin's question), not at start.
        const [{ explain }, { deviceHolders, kernelMessages, usbInfo }] = await Promise.all([import('../../diagnostics/explain.js'), import('../../diagnostics/gather.js')]);
        const [path, holders, usb, kernel] = await Promise.all([
          d.streams.pathInfo(id),
          node ? deviceHolders(node) : Promise.resolve([]),
          node ? usbInfo(node) : Promise.resolve(null),
          node ? kernelMessages([basename(node), String(camera.debug?.bus_info ?? '')].filter(Boolean)) : Promise.resolve({ lines: [] }),
        ]);
        const lastExit = sup?.lastExit;
        const summary = explain({
          id,
          status: camera.status,
          ...(camera.error !== undefined ? { error: camera.error } : {}),
          publishable: d.streams.isPublishable(id),
          users: pub.users,
          ...(sup
            ? {
                supervisor: {
                  state: sup.state,
                  reason: sup.reason,
                  restarts: sup.restarts,
                  running: sup.running,
                  ...(lastExit?.summary ? { lastExitSummary: lastExit.summary } : {}),
                  ...(lastExit?.error ? { lastError: `${lastExit.summary} (${lastExit.error.line.trim()})` } : {}),
                },
              }
            : {}),
          ...(path ? { path: { available: path.available, readers: path.readers.length } } : {}),
          mediamtxUp: d.mediamtxUp(),
          holders,
        });
        return {
          device: id,
          summary,
          status: camera.status,
          since: iso(camera.since),
          error: camera.error ?? null,
          transitions: d.registry.history(id).map((h) => ({ at: iso(h.at), from: h.from, to: h.to, ...(h.reason ? { reason: h.reason } : {}) })),
          stream: {
            users: pub.users,
            template: pub.plan ? { name: pub.plan.template, reason: pub.plan.reason, argv: pub.plan.argv.map(redactUrlCredentials) } : null,
            ffmpeg: sup
              ? {
                  state: sup.state,
                  reason: sup.reason,
                  running: sup.running,
                  pid: sup.pid,
                  restarts: sup.restarts,
                  last_exit: lastExit
                    ? { code: lastExit.code, signal: lastExit.signal, at: iso(lastExit.at), ran_ms: lastExit.ranMs, summary: lastExit.summary, error: lastExit.error }
                    : null,
                  stderr: sup.stderr,
                }
              : null,
          },
          mediamtx_path: path ? { available: path.available, online: path.online, readers: path.readers.length, inbound_bytes: path.inboundBytes, source: path.source } : null,
          device_info: { kind: camera.kind, ...(camera.debug ?? {}) },
          device_holders: holders,
          usb,
          kernel_messages: kernel,
        };
      },
    }),
  ];
}
