/**
 * Import boundaries of src/ (checked over the compiled dist/src by test/unit/architecture/
 * boundaries.test.ts, part of the unit suite; or `npm run check:imports`). Only imports that
 * remain at run time are seen: `import type` is erased by tsc.
 *
 * Layers, each importing only the ones below it:
 *   lib           src/lib/                                   nothing else of src/
 *   base          src/observability/, src/process/, src/config/
 *   core          src/core/ (module lifecycle) and the registries capabilities plug into:
 *                 src/api/rpc/, src/api/session, src/api/auth/roles, src/api/http-server,
 *                 src/api/notifications
 *   capabilities  api, cameras, console, diagnostics, discovery, external, media, mediamtx,
 *                 mqtt, streaming (may use each other, without cycles)
 *   composition   src/app.ts, src/app/, src/main.ts, src/command.ts, src/node-flags.ts: builds and runs the service
 * Separate entry points: src/cli/ (commands), src/client/ (the published client: lib only).
 */
const P = '^(dist/)?src/';
const lib = `${P}lib/`;
const base = `${P}(observability|process|config)/`;
const core = `${P}(core/|api/rpc/|api/session\\.|api/auth/roles\\.|api/http-server\\.|api/notifications\\.)`;
const capabilities = `${P}(api|cameras|console|diagnostics|discovery|external|media|mediamtx|mqtt|streaming)/`;
const composition = `${P}(app\\.|app/|main\\.|command\\.|node-flags\\.)`;
const entries = `${P}(cli|client)/`;
const src = P;

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'modules import each other in a cycle', from: {}, to: { circular: true } },
    { name: 'lib-imports-only-lib', severity: 'error', comment: 'src/lib is the bottom layer', from: { path: lib }, to: { path: src, pathNot: lib } },
    {
      name: 'base-imports-lib-and-base',
      severity: 'error',
      comment: 'observability, process and config sit on lib only',
      from: { path: base },
      to: { path: src, pathNot: [lib, base] },
    },
    {
      name: 'core-imports-no-capability',
      severity: 'error',
      comment: 'the core knows no capability',
      from: { path: core },
      to: { path: src, pathNot: [lib, base, core] },
    },
    {
      name: 'capabilities-import-no-composition',
      severity: 'error',
      comment: 'capabilities do not reach up into the composition root or the entry points',
      from: { path: capabilities },
      to: { path: [composition, entries] },
    },
    {
      name: 'client-stands-alone',
      severity: 'error',
      comment: 'the published client uses only src/lib',
      from: { path: `${P}client/` },
      to: { path: src, pathNot: [lib, `${P}client/`] },
    },
    { name: 'nothing-imports-main', severity: 'error', from: {}, to: { path: `${P}main\\.` } },
    { name: 'not-to-unresolvable', severity: 'error', from: {}, to: { couldNotResolve: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.map$' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'node', 'default'], mainFields: ['module', 'main'] },
  },
};
