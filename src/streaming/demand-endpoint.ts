/**
 * The loopback endpoint the on-demand hook holds open while MediaMTX has readers for a path:
 * GET /internal/demand/{camera} with the per-run token. The camera's publisher runs while the
 * request is open; closing it (MediaMTX stopped the hook) releases that use.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sendJson, type Route } from '../api/http-server.js';
import { isLoopback } from '../lib/net.js';
import type { Logger } from '../observability/logger.js';
import type { StreamManager } from './stream-manager.js';

const PREFIX = '/internal/demand/';

export class DemandEndpoint {
  readonly token = randomBytes(24).toString('hex');
  readonly #open = new Set<ServerResponse>();
  #n = 0;

  constructor(
    private readonly streams: StreamManager,
    private readonly log: Logger,
  ) {}

  route(): Route {
    return {
      path: PREFIX,
      methods: ['GET'],
      handler: (req, res, url) => {
        const remote = req.socket.remoteAddress ?? '';
        const token = String(req.headers['x-demand-token'] ?? '');
        const ok = token.length === this.token.length && timingSafeEqual(Buffer.from(token), Buffer.from(this.token));
        if (!ok || !isLoopback(remote)) return sendJson(res, 403, { error: 'forbidden' });
        const id = decodeURIComponent(url.pathname.slice(PREFIX.length));
        if (!this.streams.isPublishable(id)) return sendJson(res, 404, { error: `camera ${id} cannot be published now` });
        const user = `reader:${++this.#n}`;
        // connection: close, so ending the response closes the hook's socket and the hook exits.
        res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store', connection: 'close' });
        res.write('demand held\n');
        this.#open.add(res);
        this.log.debug({ camera: id, user }, 'reader demand');
        res.on('close', () => {
          this.#open.delete(res);
          void this.streams.release(id, user);
        });
        this.streams.acquire(id, user).catch((err: Error) => {
          this.log.warn({ camera: id, err: err.message }, 'reader demand could not start the publisher');
          res.end();
        });
      },
    };
  }

  /** Ends every held demand (shutdown, or the managed MediaMTX that ran the hooks exited): each hook sees its connection close and exits. */
  closeAll(): void {
    for (const res of this.#open) res.end();
  }
}
