/**
 * `node:http`, loaded with require. On Node 24 an ESM import of `node:http` builds its module
 * namespace from every export, and one of them is a lazy getter that loads undici, http2, tls,
 * zlib and worker_threads with it: 114 internal modules instead of 39, +12 MB RSS at idle
 * (see README.md in this folder). Types still come from `node:http` (`import type`).
 */
import { createRequire } from 'node:module';
import type * as Http from 'node:http';

export const http = createRequire(import.meta.url)('node:http') as typeof Http;
