#!/usr/bin/env node
// Part of `npm run build`: copies the runtime files of src/ that are not TypeScript (the
// on-demand hook, src/**/*.sh) into dist/src beside the compiled modules, executable, so that
// dist/ is self-contained (the service runs them from there).
import { chmodSync, copyFileSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const walk = (dir) => readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? walk(join(dir, name)) : [join(dir, name)]));
const copied = [];
for (const file of walk('src').filter((f) => f.endsWith('.sh'))) {
  const target = join('dist', file);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(file, target);
  chmodSync(target, 0o755);
  copied.push(relative('dist', target));
}
console.log(`build-assets: ${copied.join(', ')} -> dist/`);
