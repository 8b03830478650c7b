/**
 * The console's routes (/, /console, /console/…). Only this small module is loaded at start:
 * serve.ts (headers, compression choice, file reads) is imported on the first request.
 */
import type { Route, RouteHandler } from '../api/http-server.js';
import { CONSOLE_PREFIX, type ConsoleOptions } from './options.js';

export function consoleRoutes(opts: ConsoleOptions): Route[] {
  let loaded: Promise<typeof import('./serve.js')> | undefined;
  const handler: RouteHandler = async (req, res, url) => (await (loaded ??= import('./serve.js'))).handle(opts, req, res, url);
  return [
    { path: '/', exact: true, methods: ['GET', 'HEAD'], handler },
    { path: '/console', methods: ['GET', 'HEAD'], handler },
    { path: CONSOLE_PREFIX, methods: ['GET', 'HEAD'], handler },
  ];
}
