/**
 * JSON-RPC 2.0 envelope rules, pure: turns one text frame into the calls it carries, and
 * builds replies. Batches are arrays; an empty array is -32600; a request without `id` is a
 * notification (it runs, and gets no reply).
 */
import { RpcError, rpcErrors } from './errors.js';

export type RpcId = string | number | null;

export interface RpcCall {
  method: string;
  params: Record<string, unknown>;
  /** Absent for notifications. */
  id?: RpcId;
}

/** One element of a frame: a well-formed call, or the error reply it earns. */
export type FrameItem = { call: RpcCall } | { error: RpcError; id: RpcId };

export type ParsedFrame = { batch: boolean; items: FrameItem[] } | { parseError: RpcError } | { oversizeBatch: number };

/** `maxBatch`: a longer batch is reported as `oversizeBatch` (its length) without looking at its elements. */
export function parseFrame(text: string, maxBatch = Infinity): ParsedFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { parseError: rpcErrors.parse(`invalid JSON: ${(err as Error).message}`) };
  }
  if (Array.isArray(value)) {
    if (value.length === 0) {
      return { batch: false, items: [{ error: rpcErrors.invalidRequest('empty batch', 'send at least one request in a batch array'), id: null }] };
    }
    if (value.length > maxBatch) return { oversizeBatch: value.length };
    return { batch: true, items: value.map(toItem) };
  }
  return { batch: false, items: [toItem(value)] };
}

const HINT = 'a request is {"jsonrpc":"2.0","method":"<name>","params":{...},"id":<string|number>}';

function toItem(v: unknown): FrameItem {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    return { error: rpcErrors.invalidRequest('a request must be a JSON object', HINT), id: null };
  }
  const r = v as Record<string, unknown>;
  const idOk = !('id' in r) || typeof r.id === 'string' || (typeof r.id === 'number' && Number.isFinite(r.id)) || r.id === null;
  const id: RpcId = idOk && 'id' in r ? (r.id as RpcId) : null;
  if (!idOk) return { error: rpcErrors.invalidRequest('id must be a string or a number', HINT), id: null };
  if (r.jsonrpc !== '2.0') return { error: rpcErrors.invalidRequest('jsonrpc must be "2.0"', HINT), id };
  if (typeof r.method !== 'string' || r.method === '') return { error: rpcErrors.invalidRequest('method must be a non-empty string', HINT), id };
  let params: Record<string, unknown> = {};
  if ('params' in r && r.params !== undefined) {
    if (typeof r.params !== 'object' || r.params === null || Array.isArray(r.params)) {
      return { error: rpcErrors.invalidRequest('params must be an object (named parameters)', HINT), id };
    }
    params = r.params as Record<string, unknown>;
  }
  const call: RpcCall = { method: r.method, params };
  if ('id' in r) call.id = id;
  return { call };
}

export interface ReplyMetadata {
  processing_time_ms: number;
  server_timestamp: string;
  request_id: string;
}

export type Reply =
  | { jsonrpc: '2.0'; result: unknown; id: RpcId; metadata?: ReplyMetadata }
  | { jsonrpc: '2.0'; error: { code: number; message: string; data: unknown }; id: RpcId; metadata?: ReplyMetadata };

export function resultReply(id: RpcId, result: unknown, metadata?: ReplyMetadata): Reply {
  return metadata ? { jsonrpc: '2.0', result, id, metadata } : { jsonrpc: '2.0', result, id };
}

export function errorReply(id: RpcId, err: RpcError, metadata?: ReplyMetadata): Reply {
  const error = { code: err.code, message: err.message, data: err.data };
  return metadata ? { jsonrpc: '2.0', error, id, metadata } : { jsonrpc: '2.0', error, id };
}
