/**
 * GET/HEAD /files/recordings/{name} and /files/snapshots/{name}: authenticated (viewer or
 * above, by header or by a signed link from `download_url`), streamed from disk (never read whole), with Content-Type, Content-Length,
 * Content-Disposition and byte ranges (206; several ranges as multipart/byteranges).
 *
 * The request path is checked as sent, before any normalization: exactly two segments after
 * /files/, a known kind, and a name that passes the contract's validation after one
 * percent-decoding. Anything else with a traversal shape (`..`, `.`, empty segments,
 * encoded separators, NUL) is 400; an unknown kind or a missing file is 404. A name is only
 * ever opened inside its directory, without following symlinks.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { sendJson, type Route } from '../api/http-server.js';
import type { Logger } from '../observability/logger.js';
import { contentDisposition, contentRange, contentTypeOf, multipartLayout, parseRange, rangeLength, type ByteRange } from './http-range.js';
import type { MediaKind, MediaLibrary } from './library.js';
import { hasSignature, type DownloadLinks } from './download-links.js';
import { fileNameProblem } from './names.js';

export type HttpAuthorizer = (req: IncomingMessage) => Promise<{ ok: true } | { ok: false; status: 401 | 403; reason: string }>;

export const FILES_PREFIX = '/files/';
const KINDS: readonly MediaKind[] = ['recordings', 'snapshots'];

export type FileTarget = { ok: true; kind: MediaKind; name: string } | { ok: false; status: 400 | 404; reason: string };

/** Pure: what a raw request target (`/files/recordings/x.mp4?y`) asks for. */
export function parseFileTarget(rawUrl: string): FileTarget {
  const path = rawUrl.split('?', 1)[0]!.split('#', 1)[0]!;
  if (!path.startsWith(FILES_PREFIX)) return { ok: false, status: 404, reason: 'not a file path' };
  const segments = path.slice(FILES_PREFIX.length).split('/');
  const [kindSeg, ...rest] = segments;
  let kind: string;
  try {
    kind = decodeURIComponent(kindSeg ?? '');
  } catch {
    return { ok: false, status: 400, reason: 'malformed percent-encoding' };
  }
  if (rest.length !== 1) {
    // `/files/recordings/../x`, `/files/recordings//etc/passwd`, `/files/../x`
    return { ok: false, status: 400, reason: 'the file name must be a single path segment' };
  }
  if (!(KINDS as readonly string[]).includes(kind)) {
    if (kind === '.' || kind === '..' || kind.includes('/') || kind.includes('\\') || kind.includes('\0')) return { ok: false, status: 400, reason: 'invalid path' };
    return { ok: false, status: 404, reason: `unknown file kind '${kind}'` };
  }
  let name: string;
  try {
    name = decodeURIComponent(rest[0]!);
  } catch {
    return { ok: false, status: 400, reason: 'malformed percent-encoding' };
  }
  const problem = fileNameProblem(name);
  if (problem) return { ok: false, status: 400, reason: `invalid file name: ${problem}` };
  return { ok: true, kind: kind as MediaKind, name };
}

export function fileRoute(library: MediaLibrary, authorize: HttpAuthorizer, log: Logger, links?: DownloadLinks): Route {
  return {
    path: FILES_PREFIX,
    methods: ['GET', 'HEAD'],
    handler: (req, res) => serveFile(library, authorize, log, req, res, links),
  };
}

/** A signed link (see download-links.ts) is judged by its signature alone; otherwise credentials decide. */
async function admit(req: IncomingMessage, authorize: HttpAuthorizer, links: DownloadLinks | undefined): ReturnType<HttpAuthorizer> {
  const [path, query = ''] = (req.url ?? '/').split('#', 1)[0]!.split('?', 2) as [string, string?];
  const params = new URLSearchParams(query);
  if (!links || !hasSignature(params)) return authorize(req);
  const check = links.check(path, params);
  return check.ok ? { ok: true } : { ok: false, status: 403, reason: check.reason };
}

async function serveFile(library: MediaLibrary, authorize: HttpAuthorizer, log: Logger, req: IncomingMessage, res: ServerResponse, links: DownloadLinks | undefined): Promise<void> {
  const auth = await admit(req, authorize, links);
  if (!auth.ok) {
    if (auth.status === 401) res.setHeader('www-authenticate', 'Bearer');
    return sendJson(res, auth.status, { error: auth.status === 401 ? 'unauthorized' : 'forbidden', reason: auth.reason });
  }
  const target = parseFileTarget(req.url ?? '/');
  if (!target.ok) return sendJson(res, target.status, { error: target.status === 400 ? 'bad request' : 'not found', reason: target.reason });

  let opened;
  try {
    opened = await library.openForRead(target.kind, target.name);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ELOOP' || code === 'ENOTDIR' || (err as Error).name === 'MediaError') {
      return sendJson(res, 404, { error: 'not found', reason: `no ${target.kind === 'recordings' ? 'recording' : 'snapshot'} named '${target.name}'` });
    }
    throw err;
  }
  const { handle, size, mtimeMs } = opened;
  try {
    const type = contentTypeOf(target.name);
    const common = {
      'accept-ranges': 'bytes',
      'content-disposition': contentDisposition(target.name),
      'last-modified': new Date(mtimeMs).toUTCString(),
      'cache-control': 'private, no-cache',
    };
    const range = parseRange(typeof req.headers.range === 'string' ? req.headers.range : undefined, size);
    const head = req.method === 'HEAD';
    if (range.kind === 'unsatisfiable') {
      res.writeHead(416, { ...common, 'content-range': `bytes */${size}`, 'content-length': 0 });
      res.end();
      return;
    }
    if (range.kind === 'none') {
      res.writeHead(200, { ...common, 'content-type': type, 'content-length': size });
      if (head || size === 0) return void res.end();
      await send(handle, res, { start: 0, end: size - 1 }, true);
      return;
    }
    if (range.ranges.length === 1) {
      const r = range.ranges[0]!;
      res.writeHead(206, { ...common, 'content-type': type, 'content-range': contentRange(r, size), 'content-length': rangeLength(r) });
      if (head) return void res.end();
      await send(handle, res, r, true);
      return;
    }
    const boundary = `cs-${mtimeMs.toString(36)}-${size.toString(36)}-${Math.random().toString(36).slice(2)}`;
    const layout = multipartLayout(range.ranges, size, type, boundary);
    res.writeHead(206, { ...common, 'content-type': `multipart/byteranges; boundary=${boundary}`, 'content-length': layout.length });
    if (head) return void res.end();
    for (const [i, r] of range.ranges.entries()) {
      if (!res.write(layout.heads[i]!)) await new Promise((resolve) => res.once('drain', resolve));
      await send(handle, res, r, false);
    }
    res.end(layout.tail);
  } catch (err) {
    log.debug({ err: (err as Error).message, file: target.name }, 'file download ended early');
    if (!res.headersSent) throw err;
    res.destroy();
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Streams one byte range of an open file to the response. */
async function send(handle: import('node:fs/promises').FileHandle, res: ServerResponse, r: ByteRange, end: boolean): Promise<void> {
  const stream = handle.createReadStream({ start: r.start, end: r.end, autoClose: false, highWaterMark: 64 * 1024 });
  await pipeline(stream, res, { end });
}

