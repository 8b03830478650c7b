/** External stream methods: add/remove/list, discovery scans and their schedule. */
import { EXTERNAL_NAME_PATTERN, type ExternalEntry, type ExternalStreams } from '../../external/external-streams.js';
import { redactUrlCredentials } from '../../external/redact.js';
import { t } from '../../lib/schema.js';
import { activeRole, type Session } from '../session.js';
import { rpcErrors } from '../rpc/errors.js';
import { defineMethod, type MethodDef } from '../rpc/registry.js';

/** External stream names double as MediaMTX path names; camera ids are reserved. */
export { EXTERNAL_NAME_PATTERN };
const TYPES = ['generic_rtsp', 'skydio_eo', 'skydio_ir'] as const;

const entry = t.object({
  url: t.string(), type: t.string(), name: t.string(), status: t.string(), discovered_at: t.string(),
  last_seen: t.unknown({ description: 'ISO 8601 or null' }), capabilities: t.record(t.unknown()),
});

export interface ExternalDeps {
  external: ExternalStreams;
  /** True when `name` is taken by something else (a camera path). */
  nameTaken(name: string): boolean;
}

/** Stream URLs as `session` may see them: with credentials for admins only (`rtsp://***:***@host/…` for others). */
function shown<T extends { url: string }>(list: readonly T[], session: Session): T[] {
  if (activeRole(session, Date.now()) === 'admin') return [...list];
  return list.map((e) => ({ ...e, url: redactUrlCredentials(e.url) }));
}

export function externalMethods(d: ExternalDeps): MethodDef[] {
  const discoveryOn = () => {
    if (!d.external.discoveryEnabled) throw rpcErrors.unsupported('external stream discovery is disabled (external_streams.discovery_enabled)', 'external_stream_discovery');
  };
  const split = (all: { type: string }[]) => ({
    skydio: all.filter((s) => s.type.startsWith('skydio')),
    generic: all.filter((s) => s.type === 'generic_rtsp'),
  });
  return [
    defineMethod({
      name: 'add_external_stream',
      minRole: 'operator',
      summary: 'Publishes a network RTSP stream through MediaMTX under stream_name (pulled on demand); persisted.',
      description: 'The reply echoes `stream_url` with its credentials redacted (`rtsp://***:***@host/…`) unless the caller is an admin.',
      params: t.object({
        stream_url: t.string({ pattern: '^rtsps?://[^\\s/?#]+', maxLength: 2048 }),
        stream_name: t.string({ pattern: EXTERNAL_NAME_PATTERN, description: 'path name: letters, digits, _ and -, not cameraN' }),
        stream_type: t.optional(t.enum(TYPES)),
      }),
      result: t.object({ stream_url: t.string(), stream_name: t.string(), stream_type: t.string(), status: t.enum(['ADDED'] as const), timestamp: t.string() }),
      handler: async ({ stream_url, stream_name, stream_type }, ctx) => {
        try {
          new URL(stream_url);
        } catch {
          throw rpcErrors.invalidParams('stream_url', 'format:url', 'stream_url is not a valid URL');
        }
        const admin = activeRole(ctx.session, Date.now()) === 'admin';
        const echo = admin ? stream_url : redactUrlCredentials(stream_url);
        if (d.external.byUrl(stream_url)) throw rpcErrors.invalidState(`${echo} is already added as ${d.external.byUrl(stream_url)!.name}`, 'ADDED', ['NOT_ADDED']);
        if (d.external.byName(stream_name) || d.nameTaken(stream_name)) throw rpcErrors.invalidState(`the name ${stream_name} is taken`, 'NAME_TAKEN', ['NAME_FREE']);
        let added;
        try {
          added = await d.external.add({ url: stream_url, name: stream_name, type: stream_type ?? 'generic_rtsp' });
        } catch (err) {
          throw rpcErrors.dependency('mediamtx', 'MediaMTX did not accept the stream path', (err as Error).message);
        }
        return { stream_url: echo, stream_name, stream_type: added.type, status: 'ADDED' as const, timestamp: added.added_at };
      },
    }),
    defineMethod({
      name: 'remove_external_stream',
      minRole: 'operator',
      summary: 'Removes an added external stream and its MediaMTX path.',
      description: '`stream_url` is the full URL or, for non-admins, the redacted URL `get_external_streams` shows (`rtsp://***:***@host/…`) when it names one stream.',
      params: t.object({ stream_url: t.string({ minLength: 1, maxLength: 2048 }) }),
      result: t.object({ stream_url: t.string(), status: t.enum(['REMOVED'] as const), timestamp: t.string() }),
      handler: async ({ stream_url }) => {
        // The full URL, or the redacted one a non-admin sees in get_external_streams.
        if (!d.external.byShownUrl(stream_url)) throw rpcErrors.notFound('external stream', stream_url);
        try {
          await d.external.remove(stream_url);
        } catch (err) {
          throw rpcErrors.dependency('mediamtx', 'MediaMTX did not remove the stream path', (err as Error).message);
        }
        return { stream_url, status: 'REMOVED' as const, timestamp: new Date().toISOString() };
      },
    }),
    defineMethod({
      name: 'get_external_streams',
      minRole: 'viewer',
      summary: 'Added and discovered external streams with their status.',
      description: 'Credentials in stream URLs are shown to admins only: other roles see `rtsp://***:***@host/…`.',
      params: t.object({}),
      result: t.object({
        external_streams: t.array(entry), skydio_streams: t.array(entry), generic_streams: t.array(entry), total_count: t.integer(), timestamp: t.string(),
      }),
      handler: async (_p, ctx) => {
        const all: ExternalEntry[] = shown(await d.external.list(), ctx.session);
        const { skydio, generic } = split(all);
        return { external_streams: all, skydio_streams: skydio, generic_streams: generic, total_count: all.length, timestamp: new Date().toISOString() };
      },
    }),
    defineMethod({
      name: 'discover_external_streams',
      minRole: 'operator',
      summary: 'Scans the configured hosts for Skydio and generic RTSP streams (real OPTIONS/DESCRIBE probes).',
      params: t.object({
        skydio_enabled: t.optional(t.boolean()),
        generic_enabled: t.optional(t.boolean()),
        force_rescan: t.optional(t.boolean()),
        include_offline: t.optional(t.boolean()),
      }),
      result: t.object({
        discovered_streams: t.array(entry), skydio_streams: t.array(entry), generic_streams: t.array(entry), scan_timestamp: t.string(),
        total_found: t.integer(), discovery_options: t.record(t.unknown()), scan_duration: t.number(), errors: t.array(t.string()),
      }),
      handler: async (p, ctx) => {
        discoveryOn();
        const scan = await d.external.scan({ skydio: p.skydio_enabled, generic: p.generic_enabled });
        const streams = shown(p.include_offline ? d.external.discovered(true) : scan.found, ctx.session);
        const { skydio, generic } = split(streams);
        return {
          discovered_streams: streams, skydio_streams: skydio, generic_streams: generic, scan_timestamp: scan.timestamp,
          total_found: streams.length,
          discovery_options: { skydio_enabled: p.skydio_enabled ?? null, generic_enabled: p.generic_enabled ?? null, force_rescan: p.force_rescan ?? false, include_offline: p.include_offline ?? false, targets: scan.targets },
          scan_duration: scan.durationS, errors: scan.errors,
        };
      },
    }),
    defineMethod({
      name: 'set_discovery_interval',
      minRole: 'admin',
      summary: 'Sets the period of scheduled discovery scans in seconds (0: on demand only).',
      params: t.object({ scan_interval: t.integer({ minimum: 0, maximum: 86400 }) }),
      result: t.object({ scan_interval: t.integer(), status: t.enum(['UPDATED'] as const), message: t.string(), timestamp: t.string() }),
      handler: ({ scan_interval }) => {
        discoveryOn();
        d.external.setInterval(scan_interval);
        return {
          scan_interval,
          status: 'UPDATED' as const,
          message: scan_interval === 0 ? 'scheduled scans are off; scans run on demand only' : `scans run every ${scan_interval} s`,
          timestamp: new Date().toISOString(),
        };
      },
    }),
  ];
}
