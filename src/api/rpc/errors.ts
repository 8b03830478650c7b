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
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

export const rpcErrors = {
  parse: (reason: string) => new RpcError(ErrorCode.ParseError, 'Parse error', { reason }),
  invalidRequest: (reason: string, hint: string) => new RpcError(ErrorCode.InvalidRequest, 'Invalid Request', { reason, hint }),
  methodNotFound: (method: string) =>
    new RpcError(ErrorCode.MethodNotFound, 'Method not found', {
      reason: `unknown method '${method}'`,
      hint: 'GET /openrpc.json lists the methods this server offers',
    }),
  invalidParams: (param: string, rule: string, reason: string) =>
    new RpcError(ErrorCode.InvalidParams, 'Invalid params', { reason, param, rule }),
  internal: (requestId: string) =>
    new RpcError(ErrorCode.Internal, 'Internal error', { reason: 'the server failed to handle the request', request_id: requestId }),
  auth: (reason: string) => new RpcError(ErrorCode.Authentication, 'Authentication required', { reason }),
  permission: (required: string, have: string) =>
    new RpcError(ErrorCode.PermissionDenied, 'Permission denied', {
      reason: `this method needs the ${required} role`,
      required_role: required,
      have_role: have,
    }),
  notFound: (resource: string, id: string) =>
    new RpcError(ErrorCode.NotFound, 'Not found', { reason: `${resource} '${id}' does not exist`, resource, id }),
  invalidState: (reason: string, state: string, allowed: string[]) =>
    new RpcError(ErrorCode.InvalidState, 'Invalid state', { reason, state, allowed_states: allowed }),
  unsupported: (reason: string, feature: string) => new RpcError(ErrorCode.Unsupported, 'Unsupported', { reason, feature }),
  rateLimited: (retryAfterMs: number) =>
    new RpcError(ErrorCode.RateLimited, 'Rate limited', { reason: 'too many requests on this connection', retry_after_ms: retryAfterMs }),
  dependency: (dependency: string, reason: string, detail: string) =>
    new RpcError(ErrorCode.DependencyFailed, 'Dependency failed', { reason, dependency, detail }),
};
