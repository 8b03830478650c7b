/**
 * Serves the operator console (built by `npm run build` into dist/console/) under /console/,
 * and redirects / to it. Loaded on the first request (route.ts); nothing is read at start: a request reads one file from disk (the
 * OS page cache keeps it), choosing the brotli or gzip copy made at build time when the
 * client accepts it. Headers: a strict Content-Security-Policy (scripts and styles from this
 * origin only; connections to this origin and to MediaMTX's WebRTC port for WHEP), nosniff,
 * and caching (assets/<build hash>/… immutable, index.html no-cache).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../api/http-server.js';

import { CONSOLE_PREFIX, type ConsoleOptions } from './options.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
};

/** Pure: the request path below /console/ mapped to a file of the build, or undefined for anything else. */
export function consoleFile(pathname: string): string | undefined {
  const rest = pathname.slice(CONSOLE_PREFIX.length);
  if (rest === '' || rest === 'index.html') return 'index.html';
  // assets/<hash>/<name>.<ext>: one level of hashed folder, plain names only.
  const m = /^assets\/([0-9a-f]{8,40})\/([a-z0-9][a-z0-9._-]*\.(?:js|css|svg|png))$/.exec(rest);
  if (!m || m[2]!.includes('..')) return undefined;
  return `assets/${m[1]}/${m[2]}`;
}

/** Pure: which pre-compressed copy to send for an Accept-Encoding header. */
export function pickEncoding(accept: string | undefined): 'br' | 'gzip' | undefined {
  const offered = new Map<string, number>();
  for (const part of (accept ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    offered.set(name, q === undefined ? 1 : Number(q));
  }
  const ok = (n: string) => (offered.get(n) ?? offered.get('*') ?? 0) > 0;
  if (ok('br')) return 'br';
  if (ok('gzip')) return 'gzip';
  return undefined;
}

/** Pure: the policy for a page loaded through `hostHeader`. */
export function contentSecurityPolicy(hostHeader: string | undefined, webrtcPort: number, publicHost: string): string {
  const connect = ["'self'"];
  if (webrtcPort !== 0) {
    const hosts = new Set<string>([publicHost]);
    const host = hostOf(hostHeader);
    if (host) hosts.add(host);
    for (const h of hosts) connect.push(`http://${h}:${webrtcPort}`, `https://${h}:${webrtcPort}`);
  }
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' blob:",
    "media-src 'self' blob:",
    `connect-src ${connect.join(' ')}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The host name of a Host header (`name:port`, `[v6]:port`), or undefined when it is not a plain host. */
function hostOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$/.exec(header.trim());
  return m?.[1];
}

/** Answers /, /console and /console/… (the routes are registered by route.ts, which loads this module on first use). */
export function handle(opts: ConsoleOptions, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> | void {
  if (url.pathname === '/') {
    res.writeHead(302, { location: CONSOLE_PREFIX, 'content-length': 0, 'cache-control': 'no-cache' });
    return void res.end();
  }
  if (url.pathname === '/console') {
    res.writeHead(301, { location: CONSOLE_PREFIX, 'content-length': 0 });
    return void res.end();
  }
  if (url.pathname === `${CONSOLE_PREFIX}config.json`) {
    const body = JSON.stringify({ websocket_path: opts.websocketPath });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
    return void res.end(req.method === 'HEAD' ? undefined : body);
  }
  return serve(opts, req, res, url);
}

async function serve(opts: ConsoleOptions, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const raw = (req.url ?? '/').split('?', 1)[0]!;
  const file = raw === url.pathname ? consoleFile(url.pathname) : undefined;
  if (!file) return sendJson(res, 404, { error: 'not found', path: url.pathname });
  const encoding = pickEncoding(req.headers['accept-encoding'] as string | undefined);
  const path = join(opts.dir, file);
  let body: Buffer;
  let sentEncoding = encoding;
  try {
    body = await readFile(encoding ? `${path}.${encoding === 'br' ? 'br' : 'gz'}` : path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    try {
      body = await readFile(path);
      sentEncoding = undefined;
    } catch (err2) {
      if ((err2 as NodeJS.ErrnoException).code !== 'ENOENT') throw err2;
      const reason = file === 'index.html' ? 'the console is not built (npm run build)' : undefined;
      return sendJson(res, 404, { error: 'not found', path: url.pathname, ...(reason ? { reason } : {}) });
    }
  }
  const ext = file.slice(file.lastIndexOf('.'));
  const headers: Record<string, string | number> = {
    'content-type': TYPES[ext] ?? 'application/octet-stream',
    'content-length': body.length,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': file === 'index.html' ? 'no-cache' : 'public, max-age=31536000, immutable',
    vary: 'Accept-Encoding',
  };
  if (sentEncoding) headers['content-encoding'] = sentEncoding;
  headers['content-security-policy'] = contentSecurityPolicy(req.headers.host, opts.webrtcPort, opts.publicHost);
  headers['x-frame-options'] = 'DENY';
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}
