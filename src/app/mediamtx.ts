/**
 * MediaMTX: the API client, its reachability watch, the managed MediaMTX process (managed
 * mode) and the path reconciler. Starts first (and waits for MediaMTX's API) because every
 * publisher and path needs it; stops last.
 */
import { join } from 'node:path';
import type { Module } from '../core/lifecycle.js';
import { MediaMtxApi } from '../mediamtx/api-client.js';
import { ManagedMediaMtx, resolveMediaMtxBinary } from '../mediamtx/managed-server.js';
import { mediaAuthFor, type MediaAuthHook } from '../mediamtx/media-auth-hook.js';
import type { Authenticator } from '../api/auth/authenticator.js';
import { PathReconciler } from '../mediamtx/path-reconciler.js';
import { MediaMtxReachability } from '../mediamtx/reachability.js';
import type { Core } from './core.js';

export interface MediaMtx {
  api: MediaMtxApi;
  reachability: MediaMtxReachability;
  managed: ManagedMediaMtx | undefined;
  /** Decides who may read from, publish to and use the API of the managed MediaMTX (media_auth: token). */
  mediaAuth: MediaAuthHook | undefined;
  /** The service's own credentials for reading from MediaMTX (recorders, snapshots) when media authentication is on. */
  readCredentials: { user: string; pass: string } | undefined;
  paths: PathReconciler;
  /** MediaMTX and its reachability watch (the path reconciler is the `paths` module). */
  module: Module;
  /** The path reconciler's periodic pass (started once streams and external streams declared their paths). */
  pathsModule: Module;
}

/**
 * `onExit`: the managed MediaMTX exited (its on-demand hooks' demands are released there).
 * `auth`: the API's authenticator, which media readers' credentials are checked with.
 */
export function wireMediaMtx(core: Core, env: NodeJS.ProcessEnv, onExit: () => void, auth: () => Pick<Authenticator, 'authenticate' | 'revoked'>): MediaMtx {
  const { config, log, metrics } = core;
  const mtx = config.mediamtx;
  const binary = mtx.managed ? resolveMediaMtxBinary(mtx.binary, env) : '';
  const managed = mtx.managed
    ? new ManagedMediaMtx(mtx, binary, join(config.storage.state_path, 'mediamtx.yml'), log.child({ module: 'mediamtx' }), Math.random, core.tls)
    : undefined;
  const mediaAuth = mediaAuthFor(mtx, managed, auth, log.child({ module: 'media-auth' }), () => core.internalPort);
  if (mediaAuth) core.internalRoutes.push(mediaAuth.route());
  const api = new MediaMtxApi({ baseUrl: mtx.api_url, requestTimeoutMs: mtx.request_timeout_ms, ...(managed ? { credentials: managed.apiCredentials } : {}) });
  // In managed mode only the MediaMTX the service started counts (not another one on its API port).
  const identify = managed
    ? async () =>
        (await api.globalConfig()).sysLogPrefix === managed.marker
          ? undefined
          : `the MediaMTX answering on ${mtx.api_url} is not the one this service started (another MediaMTX holds its API port?)`
    : undefined;
  const reachability = new MediaMtxReachability(api, mtx.health_interval_ms, identify);
  reachability.on('up', (started) => {
    metrics.mediamtxUp.set(1);
    log.info({ started }, 'mediamtx api reachable');
  });
  reachability.on('down', (reason) => {
    metrics.mediamtxUp.set(0);
    log.warn({ reason }, 'mediamtx api unreachable');
  });
  reachability.on('restarted', () => metrics.mediamtxRestarts.inc());

  if (managed) {
    managed.on('exit', () => {
      reachability.markDown('managed MediaMTX process exited');
      onExit();
    });
    managed.on('started', () => void reachability.check());
  }
  const paths = new PathReconciler(api, reachability, log.child({ module: 'paths' }));

  const module: Module = {
    name: 'mediamtx',
    async start() {
      if (managed) {
        const spawnFailed = new Promise<Error>((resolve) => managed.once('spawn_error', resolve));
        // A port another process holds does not free itself while we wait: start without
        // MediaMTX at once (the restarts go on with backoff and /health/ready says why).
        const portBusy = new Promise<Error>((resolve) => managed.once('port_busy', (address: string) => resolve(new Error(`${address} is in use by another process`))));
        await managed.start();
        reachability.start();
        const outcome = await Promise.race([reachability.waitUntilUp(15000).then(() => undefined, (err: Error) => err), spawnFailed, portBusy]);
        if (outcome && !reachability.up) {
          if (managed.failed) throw new Error(`MediaMTX could not be started: ${outcome.message} (set mediamtx.binary or MEDIAMTX_BIN, or run scripts/provision-mediamtx.sh)`);
          log.error({ err: outcome.message }, 'MediaMTX is not up; continuing, /health/ready reports it');
        }
      } else {
        reachability.start();
        await reachability.waitUntilUp(3000).catch((err: Error) => log.warn({ err: err.message }, 'external MediaMTX is not reachable yet'));
      }
    },
    async stop() {
      reachability.stop();
      await managed?.stop();
      api.close();
    },
  };
  const pathsModule: Module = { name: 'paths', start: () => paths.start(), stop: () => paths.stop() };
  return { api, reachability, managed, mediaAuth, readCredentials: mediaAuth ? managed!.readCredentials : undefined, paths, module, pathsModule };
}
