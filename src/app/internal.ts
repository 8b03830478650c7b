/**
 * The internal listener: plain HTTP on 127.0.0.1, a free port, for the routes only the
 * service's own processes call (the on-demand hook MediaMTX runs, MediaMTX's authentication
 * hook). It starts first, so its address (lib/net.ts internalBaseUrl) is known when MediaMTX's
 * configuration is written, and it is the same with or without TLS on the API port, which
 * never serves these routes.
 */
import { HttpServer } from '../api/http-server.js';
import type { Module } from '../core/lifecycle.js';
import type { Core } from './core.js';

export function wireInternalListener(core: Core): Module {
  const http = new HttpServer((err) => core.log.error({ err }, 'internal http handler failed'));
  return {
    name: 'internal-listener',
    async start() {
      for (const r of core.internalRoutes) http.route(r);
      core.internalPort = (await http.listen(0, '127.0.0.1')).port;
    },
    stop: () => http.close(),
  };
}
