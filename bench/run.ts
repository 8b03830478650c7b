#!/usr/bin/env node
/**
 * `npm run bench`: starts the service (or points at --target), forks the load generator,
 * runs every scenario, writes bench/results/<date>-<commit>.json and .md, and with
 * --compare prints each figure beside an older results file. See docs/performance.md.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detect, type Caps } from './lib/capabilities.js';
import { compare, compareMarkdown, compareText } from './lib/compare.js';
import { Generator } from './lib/generator-handle.js';
import { BENCH_USAGE, parseBenchArgs, type BenchOptions } from './lib/options.js';
import { fileLimit } from './lib/procfs.js';
import { log } from './lib/log.js';
import { Figures, gitState, machine, markdown, writeResults, type ResultsDoc, type ScenarioReport, type SubjectReport } from './lib/results.js';
import { round } from './lib/stats.js';
import { isLoopback, startSelf, targetSubject, type Subject } from './lib/subject.js';
import { NODE_FLAGS } from '../src/node-flags.js';
import { SCENARIOS } from './scenarios/index.js';
import type { Ctx, Out } from './scenarios/types.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
async function measure(kind: 'self' | 'target', opts: BenchOptions, gen: Generator, stopping: { current?: Subject }): Promise<SubjectReport> {
  const target = kind === 'target' ? targetSubject(opts.target!, opts.token!, opts.targetPid) : undefined;
  const capsCache = new WeakMap<Subject, Caps>();
  const ctx: Ctx = {
    opts,
    gen,
    log,
    subject: async (setup) => {
      if (target) return target;
      const old = stopping.current;
      stopping.current = undefined;
      await old?.stop();
      log('starting a fresh service');
      stopping.current = await startSelf({ ...setup, env: { ...opts.serviceEnv, ...setup?.env }, ...(opts.nodeFlags ? { nodeFlags: opts.nodeFlags } : {}), ...(opts.node ? { node: opts.node } : {}) });
      return stopping.current;
    },
    current: async () => target ?? stopping.current ?? ctx.subject(),
    caps: async (s) => {
      let c = capsCache.get(s);
      if (!c) {
        c = await detect(s);
        capsCache.set(s, c);
        log(`${s.name}: ${c.methods.size} methods (${c.methodSource}), ${c.cameras.length} cameras`);
      }
      return c;
    },
  };
  const scenarios: ScenarioReport[] = [];
  for (const sc of SCENARIOS) {
    if ((opts.only && !opts.only.includes(sc.name)) || opts.skip.includes(sc.name)) continue;
    const report: ScenarioReport = { name: sc.name, title: sc.title, what: sc.what, status: 'ran', notes: [], figures: [], seconds: 0 };
    const figures = new Figures();
    const out: Out = {
      figures,
      notes: report.notes,
      skip: (reason) => {
        report.status = 'skipped';
        report.reason = reason;
      },
    };
    const started = performance.now();
    log(`${kind}: scenario ${sc.name}`);
    try {
      await sc.run(ctx, out);
    } catch (err) {
      report.status = 'failed';
      report.reason = (err as Error).stack ?? String(err);
      log(`scenario ${sc.name} failed: ${report.reason}`);
      await gen.run({ cmd: 'close', group: '*' }).catch(() => undefined);
    }
    report.figures = figures.list;
    report.seconds = round((performance.now() - started) / 1000);
    if (report.status === 'skipped') log(`scenario ${sc.name} skipped: ${report.reason}`);
    scenarios.push(report);
  }
  const s = await ctx.current();
  const caps = await ctx.caps(s);
  await stopping.current?.stop();
  stopping.current = undefined;
  return {
    name: s.name,
    kind,
    url: s.kind === 'self' ? 'this service, fresh per scenario on free loopback ports' : s.url,
    methods: [...caps.methods].sort(),
    methodSource: caps.methodSource,
    capabilities: caps.capabilities,
    scenarios,
  };
}

async function main(): Promise<number> {
  let opts: BenchOptions;
  try {
    opts = parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${BENCH_USAGE}\n`);
    return 2;
  }
  if (opts.target && !isLoopback(opts.target)) {
    process.stderr.write(`--target must be a loopback address (127.0.0.0/8, ::1, localhost): load is never sent off this machine\n`);
    return 2;
  }
  const older = opts.compare ? (JSON.parse(readFileSync(opts.compare, 'utf8')) as ResultsDoc) : undefined;
  const doc: ResultsDoc = {
    schema: 1,
    kind: 'bench',
    startedAt: new Date().toISOString(),
    ...gitState(ROOT),
    machine: machine(fileLimit()),
    options: { ...opts, token: opts.token ? '(given)' : undefined, nodeFlags: opts.nodeFlags ?? [...NODE_FLAGS] },
    subjects: [],
  };
  const gen = new Generator();
  const stopping: { current?: Subject } = {};
  const cleanup = async () => {
    await stopping.current?.stop().catch(() => undefined);
    await gen.stop();
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void cleanup().finally(() => process.exit(130)));
  try {
    const kinds: ('self' | 'target')[] = opts.target ? (opts.sideBySide ? ['self', 'target'] : ['target']) : ['self'];
    for (const kind of kinds) doc.subjects.push(await measure(kind, opts, gen, stopping));
  } finally {
    await cleanup();
  }
  doc.finishedAt = new Date().toISOString();
  doc.machine.loadAvgAfter = loadavg().map(round);
  let extra: string[] = [];
  if (older && opts.compare) {
    const changes = compare(older, doc);
    doc.comparedWith = opts.compare;
    process.stdout.write(`\nCompared with ${opts.compare}:\n${compareText(changes)}\n\n`);
    extra = compareMarkdown(changes, opts.compare);
  }
  const md = markdown(doc, extra);
  const files = writeResults(resolve(opts.out), doc, md);
  process.stdout.write(md);
  log(`results: ${files.json} and ${files.md}`);
  const failed = doc.subjects.flatMap((s) => s.scenarios).filter((s) => s.status === 'failed');
  return failed.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`${err.stack ?? err}\n`);
    process.exit(1);
  },
);
