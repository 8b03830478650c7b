/**
 * The OpenRPC 1.x document of the API, generated from the method registry: one entry per
 * method with its summary, by-name params (one content descriptor per field, from the
 * method's param schema), result schema, minimum role (`x-required-role`) and the errors it
 * may answer. Pure.
 */
import type { JsonSchema } from '../lib/schema.js';
import type { MinRole } from './auth/roles.js';
import { ERROR_CATALOG } from './rpc/errors.js';
import type { MethodDef } from './rpc/registry.js';

export const OPENRPC_VERSION = '1.3.2';

export interface ContentDescriptor {
  name: string;
  description?: string;
  required?: boolean;
  schema: JsonSchema;
}

export interface OpenRpcError {
  code: number;
  message: string;
}

export interface OpenRpcMethod {
  name: string;
  summary: string;
  description?: string;
  paramStructure: 'by-name';
  params: ContentDescriptor[];
  result: ContentDescriptor;
  errors: OpenRpcError[];
  'x-required-role': MinRole;
}

export interface OpenRpcDocument {
  openrpc: string;
  info: { title: string; version: string; description: string };
  methods: OpenRpcMethod[];
  components: { errors: Record<string, OpenRpcError & { data?: unknown }> };
}

const catalog = new Map(ERROR_CATALOG.map((e) => [e.code, e]));

/** Errors any call of a method with this role may answer, besides its own domain errors. */
export function genericErrors(def: Pick<MethodDef, 'name' | 'minRole'>): number[] {
  const codes = [-32602, -32040, -32603];
  if (def.minRole !== 'none' || def.name === 'authenticate') codes.push(-32001);
  if (def.minRole === 'operator' || def.minRole === 'admin') codes.push(-32002);
  return codes;
}

/** A plain-data copy of a schema (no prototype tricks, no undefined, no internal markers). */
function plain(s: JsonSchema): JsonSchema {
  return JSON.parse(JSON.stringify(s, (k, v: unknown) => (k === 'x-secret' ? undefined : v))) as JsonSchema;
}

export function methodEntry(def: MethodDef): OpenRpcMethod {
  const props = def.params.properties ?? {};
  const required = new Set(def.params.required ?? []);
  const params: ContentDescriptor[] = Object.entries(props).map(([name, schema]) => ({
    name,
    ...(schema.description !== undefined ? { description: schema.description } : {}),
    required: required.has(name),
    schema: plain(schema),
  }));
  const codes = [...new Set([...genericErrors(def), ...(def.errors ?? [])])].sort((a, b) => b - a);
  return {
    name: def.name,
    summary: def.summary,
    ...(def.description !== undefined ? { description: def.description } : {}),
    paramStructure: 'by-name',
    params,
    result: { name: `${def.name}_result`, schema: plain(def.result) },
    errors: codes.map((code) => ({ code, message: catalog.get(code)?.message ?? 'Error' })),
    'x-required-role': def.minRole,
  };
}

export function buildOpenRpc(methods: readonly MethodDef[], info: { title: string; version: string; description: string }): OpenRpcDocument {
  const components: OpenRpcDocument['components'] = { errors: {} };
  for (const e of ERROR_CATALOG) {
    components.errors[`E${-e.code}`] = { code: e.code, message: e.message, data: { fields: [...e.data], meaning: e.meaning } };
  }
  return {
    openrpc: OPENRPC_VERSION,
    info,
    methods: [...methods].sort((a, b) => a.name.localeCompare(b.name)).map(methodEntry),
    components,
  };
}
