/** The limits the WebSocket server enforces (see ws-server.ts), with their defaults. */
import type { GateLimits } from './connection-gate.js';

export interface WsLimits extends GateLimits {
  /** Token bucket refill rate, requests per second, per connection. */
  requestsPerSecond: number;
  /** Token bucket capacity (burst), per connection. */
  requestBurst: number;
  unauthenticatedTimeoutMs: number;
  sendBufferLimit: number;
  /** Largest message accepted from a connection that is not authenticated (bytes). */
  unauthenticatedMaxMessage: number;
}

export const DEFAULT_LIMITS: WsLimits = {
  maxConnections: 1000,
  maxConnectionsPerIp: 100,
  allowedOrigins: ['*'],
  requestsPerSecond: 50,
  requestBurst: 100,
  unauthenticatedTimeoutMs: 10_000,
  sendBufferLimit: 1024 * 1024,
  maxUnauthenticated: 200,
  maxUnauthenticatedPerIp: 10,
  evictAfterMs: 1000,
  unauthenticatedMaxMessage: 64 * 1024,
};
