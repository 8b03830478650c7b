/**
 * The console's routes (/, /console, /console/…). Only this small module is loaded at start:
 * serve.ts (headers, compression choice, file reads) is imported on the first request.
 */
import type { Route, RouteHandler } from '../api/http-server.js';

export const CONSOLE_PREFIX = '/console/';

export interface ConsoleOptions {
  /** The built console (dist/console). */
  dir: string;
  /** MediaMTX's WebRTC port (0: off); the page posts WHEP offers to it on the host it was loaded from. */
  webrtcPort: number;
  /** server.public_host: stream URLs name it, so it is allowed too. */
  publicHost: string;
  /** server.websocket_path: where the page opens its JSON-RPC connection (/console/config.json tells it). */
  websocketPath: string;
}

export function consoleRoutes(opts: ConsoleOptions): Route[] {
  let loaded: Promise<typeof import('./serve.js')> | undefined;
  const handler: RouteHandler = async (req, res, url) => (await (loaded ??= import('./serve.js'))).handle(opts, req, res, url);
  return [
    { path: '/', exact: true, methods: ['GET', 'HEAD'], handler },
    { path: '/console', methods: ['GET', 'HEAD'], handler },
    { path: CONSOLE_PREFIX, methods: ['GET', 'HEAD'], handler },
  ];
}
