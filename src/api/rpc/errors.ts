/** The contract's error catalog: codes, messages and the `data` fields each carries. */

export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  Internal: -32603,
  Authentication: -32001,
  PermissionDenied: -32002,
  NotFound: -32010,
  InvalidState: -32020,
  Unsupported: -32030,
  RateLimited: -32040,
  DependencyFailed: -32050,
} as const;

export type ErrorData = { reason: string } & Record<string, unknown>;

export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data: ErrorData,
    /** Shown to admins only, as `data.details` (raw dependency output, internal messages). */
    readonly adminDetails?: string,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

/** The catalog itself: code, message, meaning and the `data` fields (documentation, OpenRPC). */
export const ERROR_CATALOG: readonly { code: number; message: string; meaning: string; data: readonly string[] }[] = [
  { code: -32700, message: 'Parse error', meaning: 'the frame is not valid JSON', data: ['reason'] },
  { code: -32600, message: 'Invalid Request', meaning: 'not a JSON-RPC 2.0 request object (or an empty or too large batch, or a binary frame)', data: ['reason', 'hint'] },
  { code: -32601, message: 'Method not found', meaning: 'no such method', data: ['reason', 'hint'] },
  { code: -32602, message: 'Invalid params', meaning: 'a param is missing, unknown, of the wrong type or out of range', data: ['reason', 'param', 'rule'] },
  { code: -32603, message: 'Internal error', meaning: 'the server failed; the request id finds it in the log', data: ['reason', 'request_id'] },
  { code: -32001, message: 'Authentication required', meaning: 'not authenticated, credentials rejected, session expired or its API key revoked', data: ['reason'] },
  { code: -32002, message: 'Permission denied', meaning: 'the session\'s role is below the method\'s', data: ['reason', 'required_role', 'have_role'] },
  { code: -32010, message: 'Not found', meaning: 'no such camera, file or stream; the message names it: "Camera not found", "Recording not found", …', data: ['reason', 'resource', 'id'] },
  { code: -32020, message: 'Invalid state', meaning: 'not possible in the current state (e.g. already recording, camera disconnected)', data: ['reason', 'state', 'allowed_states'] },
  { code: -32030, message: 'Unsupported', meaning: 'feature disabled or format not offered', data: ['reason', 'feature'] },
  { code: -32040, message: 'Rate limited', meaning: 'too many requests on this connection', data: ['reason', 'retry_after_ms'] },
  { code: -32050, message: 'Dependency failed', meaning: 'MediaMTX, FFmpeg, the device or the disk failed', data: ['reason', 'dependency', 'detail'] },
];

/** "Camera not found", "Recording not found", "External stream not found", … */
export function notFoundMessage(resource: string): string {
  const r = resource.trim();
  return r === '' ? 'Not found' : `${r[0]!.toUpperCase()}${r.slice(1)} not found`;
}

export const rpcErrors = {
  parse: (reason: string) => new RpcError(ErrorCode.ParseError, 'Parse error', { reason }),
  invalidRequest: (reason: string, hint: string) => new RpcError(ErrorCode.InvalidRequest, 'Invalid Request', { reason, hint }),
  methodNotFound: (method: string) =>
    new RpcError(ErrorCode.MethodNotFound, 'Method not found', {
      reason: `unknown method '${method.length > 64 ? `${method.slice(0, 64)}…` : method}'`,
      hint: 'GET /openrpc.json or the method rpc.discover lists the methods this server offers',
    }),
  invalidParams: (param: string, rule: string, reason: string) =>
    new RpcError(ErrorCode.InvalidParams, 'Invalid params', { reason, param, rule }),
  internal: (requestId: string, adminDetails?: string) =>
    new RpcError(ErrorCode.Internal, 'Internal error', { reason: 'the server failed to handle the request', request_id: requestId }, adminDetails),
  auth: (reason: string) => new RpcError(ErrorCode.Authentication, 'Authentication required', { reason }),
  permission: (required: string, have: string) =>
    new RpcError(ErrorCode.PermissionDenied, 'Permission denied', {
      reason: `this method needs the ${required} role`,
      required_role: required,
      have_role: have,
    }),
  notFound: (resource: string, id: string) =>
    new RpcError(ErrorCode.NotFound, notFoundMessage(resource), { reason: `${resource} '${id}' does not exist`, resource, id }),
  invalidState: (reason: string, state: string, allowed: string[]) =>
    new RpcError(ErrorCode.InvalidState, 'Invalid state', { reason, state, allowed_states: allowed }),
  unsupported: (reason: string, feature: string) => new RpcError(ErrorCode.Unsupported, 'Unsupported', { reason, feature }),
  rateLimited: (retryAfterMs: number) =>
    new RpcError(ErrorCode.RateLimited, 'Rate limited', { reason: 'too many requests on this connection', retry_after_ms: retryAfterMs }),
  /**
   * `detail` may be raw output of the dependency (a MediaMTX response, FFmpeg's stderr): only
   * admins see it; other roles get a generic detail (see `errorDataFor`).
   */
  dependency: (dependency: string, reason: string, detail: string) =>
    new RpcError(ErrorCode.DependencyFailed, 'Dependency failed', { reason, dependency, detail }, detail),
};

// An absolute path with at least two components, not part of a URL (`rtsp://host/x`).
const PATH = /(?<![\w:/.~-])\/(?:[\w.@+-]+\/)+[\w.@+-]*/g;

/** One line, no absolute file paths, bounded length: what non-admins may read of a message. */
export function scrubText(text: string): string {
  const line = text.split(/\r?\n/, 1)[0] ?? '';
  const clean = line.replace(PATH, '<path>');
  return clean.length > 300 ? `${clean.slice(0, 300)}…` : clean;
}

function scrubValue(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return scrubText(v);
  if (depth > 4 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.slice(0, 50).map((x) => scrubValue(x, depth + 1));
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scrubValue(x, depth + 1)]));
}

/**
 * The `data` of an error as the caller may see it. Admins get everything plus `details`
 * (raw dependency output, the internal error's message). Everyone else gets data without
 * stack traces or file paths, and a dependency error's `detail` replaced by a generic one;
 * the per-field `details` object of an invalid-params error (e.g. one entry per camera
 * control) is kept for everyone.
 */
export function errorDataFor(err: RpcError, admin: boolean, requestId: string): ErrorData {
  if (admin) return err.adminDetails !== undefined ? { ...err.data, details: err.adminDetails } : err.data;
  const data = scrubValue(err.data) as ErrorData;
  // Per-field details of invalid params describe the caller's own input: everyone sees them.
  if (!(err.code === ErrorCode.InvalidParams && typeof err.data.details === 'object')) delete data.details;
  if (err.code === ErrorCode.DependencyFailed) {
    data.detail = `${String(err.data.dependency ?? 'a dependency')} failed; an admin can see the details, and the service log has them under request_id`;
    data.request_id = requestId;
  }
  return data;
}
