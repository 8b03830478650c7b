/**
 * Access policies for the operational HTTP routes (/metrics, /health/*): open to anyone on the
 * listener, to loopback clients only, or to authenticated clients (Bearer JWT or X-API-Key).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isLoopback } from '../lib/net.js';
import { sendJson, type RouteHandler } from './http-server.js';

export type HttpAccess = 'public' | 'localhost' | 'authenticated';

export { isLoopback };

/** Wraps a handler with an access policy; `authenticate` answers 401/403 itself and resolves undefined when refused. */
export function guarded(access: HttpAccess, handler: RouteHandler, authenticate: (req: IncomingMessage, res: ServerResponse) => Promise<unknown>): RouteHandler {
  if (access === 'public') return handler;
  if (access === 'localhost') {
    return (req, res, url) =>
      isLoopback(req.socket.remoteAddress) ? handler(req, res, url) : sendJson(res, 403, { error: 'forbidden', reason: 'this endpoint answers loopback clients only' });
  }
  return async (req, res, url) => {
    if ((await authenticate(req, res)) !== undefined) await handler(req, res, url);
  };
}
