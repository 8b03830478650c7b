#!/usr/bin/env node
// Builds the operator console into dist/console/: the modules tsc compiled from console/src
// (dist/console-tsc/console/src) console/style.css and console/icon.svg go into assets/<hash>/ (the hash of all
// of them, so they can be cached for good), console/index.html points at that folder, and
// every file gets a .gz and a .br copy next to it for the server to send as they are.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = new URL('..', import.meta.url).pathname;
const compiled = join(root, 'dist', 'console-tsc', 'console', 'src');
const out = join(root, 'dist', 'console');
if (!existsSync(compiled)) throw new Error(`build-console: ${compiled} is missing (run tsc -p console/tsconfig.json first)`);

const assets = new Map();
for (const name of readdirSync(compiled).filter((n) => n.endsWith('.js')).sort()) assets.set(name, readFileSync(join(compiled, name)));
for (const name of ['style.css', 'icon.svg']) assets.set(name, readFileSync(join(root, 'console', name)));
const hash = createHash('sha256');
for (const [name, bytes] of assets) hash.update(name).update('\0').update(bytes);
const id = hash.digest('hex').slice(0, 12);

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets', id), { recursive: true });
const write = (path, bytes) => {
  writeFileSync(path, bytes);
  writeFileSync(`${path}.gz`, gzipSync(bytes, { level: 9 }));
  writeFileSync(`${path}.br`, brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
};
for (const [name, bytes] of assets) write(join(out, 'assets', id, name), bytes);
write(join(out, 'index.html'), Buffer.from(readFileSync(join(root, 'console', 'index.html'), 'utf8').replaceAll('%HASH%', id)));
console.log(`build-console: dist/console/ (assets/${id}/, ${assets.size} files)`);
