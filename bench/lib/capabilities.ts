/**
 * What the server under test offers, so scenarios run what exists and say what is not
 * available yet: the method list (from `rpc.discover`, else `GET /openrpc.json`, else by
 * probing each contract method with an unknown param, which the contract answers with
 * -32602 when the method exists and -32601 when it does not; nothing runs), the
 * `get_server_info` capabilities, and the cameras.
 */
import { CameraServiceClient, RpcCallError, type Camera } from '../../src/client/index.js';
import { configSchema } from '../../src/config/schema.js';
import type { JsonSchema } from '../../src/lib/schema.js';
import type { Subject } from './subject.js';

/** Every method of the API contract (docs/contract.md). */
export const CONTRACT_METHODS = [
  'ping', 'authenticate', 'get_camera_list', 'get_camera_status', 'get_camera_capabilities', 'take_snapshot',
  'start_recording', 'stop_recording', 'list_recordings', 'list_snapshots', 'get_recording_info', 'get_snapshot_info',
  'delete_recording', 'delete_snapshot', 'start_streaming', 'stop_streaming', 'get_stream_url', 'get_stream_status',
  'get_streams', 'get_metrics', 'get_status', 'get_system_status', 'get_server_info', 'get_storage_info',
  'set_retention_policy', 'cleanup_old_files', 'subscribe_events', 'unsubscribe_events', 'get_subscription_stats',
  'discover_external_streams', 'add_external_stream', 'remove_external_stream', 'get_external_streams', 'set_discovery_interval',
] as const;

export interface Caps {
  methods: Set<string>;
  /** Where the method list came from. */
  methodSource: 'rpc.discover' | 'openrpc.json' | 'probe';
  capabilities: string[];
  serverInfo: Record<string, unknown> | undefined;
  cameras: Camera[];
  /** Config keys about test-pattern cameras in this build's schema (self subject only). */
  testPatternConfig: string[];
}

function namesOf(doc: unknown): string[] | undefined {
  const methods = (doc as { methods?: unknown })?.methods;
  if (!Array.isArray(methods)) return undefined;
  return methods.map((m) => (m as { name?: unknown }).name).filter((n): n is string => typeof n === 'string');
}

export async function detect(subject: Subject): Promise<Caps> {
  const c = await CameraServiceClient.connect(subject.url, { timeoutMs: 5000 });
  try {
    await c.authenticate(await subject.token('admin'));
    let methods: string[] | undefined;
    let methodSource: Caps['methodSource'] = 'probe';
    try {
      methods = namesOf(await c.call('rpc.discover'));
      if (methods) methodSource = 'rpc.discover';
    } catch {
      /* not offered */
    }
    if (!methods) {
      try {
        const res = await fetch(`${subject.httpUrl}/openrpc.json`, { signal: AbortSignal.timeout(3000) });
        if (res.ok) methods = namesOf(await res.json());
        if (methods) methodSource = 'openrpc.json';
      } catch {
        /* not offered */
      }
    }
    if (!methods) {
      methods = [];
      for (const m of CONTRACT_METHODS) {
        try {
          await c.call(m, { __bench_probe__: true });
          methods.push(m); // a server that ignores unknown params still has the method
        } catch (err) {
          if (!(err instanceof RpcCallError) || err.code !== -32601) methods.push(m);
        }
      }
    }
    const serverInfo = await c.call('get_server_info').catch(() => undefined);
    const cameras = await c.call('get_camera_list').then((r) => r.cameras, () => []);
    return {
      methods: new Set(methods),
      methodSource,
      capabilities: Array.isArray(serverInfo?.capabilities) ? serverInfo.capabilities : [],
      serverInfo: serverInfo as Record<string, unknown> | undefined,
      cameras,
      testPatternConfig: subject.kind === 'self' ? testPatternKeys() : [],
    };
  } finally {
    await c.close();
  }
}

/** Top-most config keys (or enum values) of this build's schema about test-pattern cameras: the feature's footprint. */
export function testPatternKeys(): string[] {
  const out: string[] = [];
  const re = /test.?(pattern|camera)/i;
  const walk = (s: JsonSchema | undefined, path: string) => {
    if (!s) return;
    if (path && re.test(path)) return void out.push(path);
    for (const v of s.enum ?? []) if (typeof v === 'string' && re.test(v)) out.push(`${path}=${v}`);
    for (const [k, v] of Object.entries(s.properties ?? {})) walk(v, path ? `${path}.${k}` : k);
    walk(s.items, `${path}[]`);
    for (const v of s.anyOf ?? []) walk(v, path);
  };
  walk(configSchema, '');
  return out;
}
