/**
 * The results model: every figure keeps one value per run and per statistic, so each one
 * is reported as median (min–max) over repeated runs and compared against older files with
 * the run-to-run noise measured here. Written as bench/results/<date>-<commit>.json plus a
 * Markdown summary beside it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg, release, totalmem } from 'node:os';
import type { Distribution } from './stats.js';
import { round, spread } from './stats.js';

export type Unit = 'ms' | 's' | 'MB' | 'KB' | '%' | 'count' | 'conn/s' | 'req/s' | 'MB/h';
export type Better = 'lower' | 'higher' | 'none';

export interface Figure {
  /** Stable key for comparisons, e.g. `latency.ping.1000rps`. */
  id: string;
  label: string;
  unit: Unit;
  better: Better;
  kind: 'distribution' | 'value';
  /** Statistic name → one value per run (p50/p95/p99/max for distributions, value otherwise). */
  stats: Record<string, number[]>;
  /** Samples behind each run's distribution. */
  samples?: number[];
}

export class Figures {
  readonly list: Figure[] = [];

  #get(id: string, label: string, unit: Unit, better: Better, kind: Figure['kind']): Figure {
    let f = this.list.find((x) => x.id === id);
    if (!f) {
      f = { id, label, unit, better, kind, stats: {} };
      this.list.push(f);
    }
    return f;
  }

  /** Adds one run's p50/p95/p99/max. */
  dist(id: string, label: string, d: Distribution, unit: Unit = 'ms', better: Better = 'lower'): void {
    const f = this.#get(id, label, unit, better, 'distribution');
    for (const k of ['p50', 'p95', 'p99', 'max'] as const) (f.stats[k] ??= []).push(round(d[k]));
    (f.samples ??= []).push(d.n);
  }

  /** Adds one run's value. */
  value(id: string, label: string, v: number, unit: Unit, better: Better = 'lower'): void {
    const f = this.#get(id, label, unit, better, 'value');
    (f.stats.value ??= []).push(round(v));
  }
}

export interface ScenarioReport {
  name: string;
  title: string;
  what: string;
  status: 'ran' | 'skipped' | 'failed';
  reason?: string;
  notes: string[];
  figures: Figure[];
  seconds: number;
}

export interface SubjectReport {
  name: string;
  kind: 'self' | 'target';
  url: string;
  methods: string[];
  methodSource: string;
  capabilities: string[];
  scenarios: ScenarioReport[];
}

export interface Machine {
  cores: number;
  cpuModel: string;
  node: string;
  kernel: string;
  memoryGb: number;
  loadAvgBefore: number[];
  loadAvgAfter?: number[];
  fileLimit: { soft: number; hard: number };
}

export interface ResultsDoc {
  schema: 1;
  kind: 'bench' | 'soak';
  startedAt: string;
  finishedAt?: string;
  commit: string;
  dirty: boolean;
  machine: Machine;
  options: Record<string, unknown>;
  subjects: SubjectReport[];
  comparedWith?: string;
}

export function machine(fileLimit: Machine['fileLimit']): Machine {
  const c = cpus();
  return {
    cores: c.length,
    cpuModel: c[0]?.model ?? 'unknown',
    node: process.version,
    kernel: release(),
    memoryGb: round(totalmem() / 2 ** 30),
    loadAvgBefore: loadavg().map(round),
    fileLimit,
  };
}

export function gitState(cwd: string): { commit: string; dirty: boolean } {
  const git = (...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    return { commit: git('rev-parse', '--short=7', 'HEAD'), dirty: git('status', '--porcelain', '--', 'src').length > 0 };
  } catch {
    return { commit: 'nogit', dirty: false };
  }
}

/** `2026-11-22-2140-9196738` (+ `-dirty` when src/ has uncommitted changes). */
export function resultsBaseName(doc: ResultsDoc): string {
  const d = new Date(doc.startedAt);
  const p = (n: number) => String(n).padStart(2, '0');
  const date = `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}`;
  return `${date}-${doc.commit}${doc.dirty ? '-dirty' : ''}${doc.kind === 'soak' ? '-soak' : ''}`;
}

const fmt = (x: number) => (Number.isFinite(x) ? String(round(x)) : '–');

/** `median (min–max)` over runs, or the single value. */
export function cell(values: number[] | undefined): string {
  if (!values || values.length === 0) return '';
  const s = spread(values);
  if (values.length === 1 || s.min === s.max) return fmt(s.median);
  return `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
}

function table(header: string[], rows: string[][]): string[] {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

export function scenarioMarkdown(s: ScenarioReport): string[] {
  const out = [`### ${s.title}`, '', s.what, ''];
  if (s.status !== 'ran') out.push(`**${s.status}**: ${s.reason ?? ''}`, '');
  const dists = s.figures.filter((f) => f.kind === 'distribution');
  const values = s.figures.filter((f) => f.kind === 'value');
  if (dists.length) {
    out.push(
      ...table(
        ['figure', 'unit', 'p50', 'p95', 'p99', 'max', 'runs × samples'],
        dists.map((f) => [f.label, f.unit, cell(f.stats.p50), cell(f.stats.p95), cell(f.stats.p99), cell(f.stats.max), `${f.stats.p50?.length ?? 0} × ${cell(f.samples)}`]),
      ),
      '',
    );
  }
  if (values.length) {
    out.push(...table(['figure', 'unit', 'median (min–max)', 'runs'], values.map((f) => [f.label, f.unit, cell(f.stats.value), String(f.stats.value?.length ?? 0)])), '');
  }
  for (const n of s.notes) out.push(`- ${n}`);
  if (s.notes.length) out.push('');
  return out;
}

export interface Budget {
  what: string;
  figure: string;
  stat: string;
  op: '<' | '<=' | '>=' | '==';
  limit: number;
}

/** The acceptance figures of issue 7 that the suite can measure (judged on the median over runs). */
export const BUDGETS: Budget[] = [
  { what: 'ping p99 at 2000 req/s over 1000 connections', figure: 'latency.ping.2000rps', stat: 'p99', op: '<', limit: 5 },
  ...['get_camera_list', 'get_camera_status', 'get_system_status', 'get_server_info'].map(
    (m): Budget => ({ what: `${m} p99 at 2000 req/s`, figure: `latency.${m}.2000rps`, stat: 'p99', op: '<', limit: 10 }),
  ),
  ...['ping', 'get_camera_list', 'get_system_status', 'get_server_info'].map(
    (m): Budget => ({ what: `${m} errors at 2000 req/s (%)`, figure: `latency.${m}.2000rps.errors`, stat: 'value', op: '==', limit: 0 }),
  ),
  { what: 'concurrent connections held', figure: 'connections.held', stat: 'value', op: '>=', limit: 10000 },
  { what: 'connections dropped while holding', figure: 'connections.dropped', stat: 'value', op: '==', limit: 0 },
  { what: 'RSS per idle connection (KB)', figure: 'connections.rss_per_conn', stat: 'value', op: '<', limit: 30 },
  { what: 'notification: registry event → first of 1000 clients p99 (ms)', figure: 'fanout.1000.event.first', stat: 'p99', op: '<', limit: 2 },
  { what: 'notification: registry event → last of 1000 clients p99 (ms)', figure: 'fanout.1000.event.last', stat: 'p99', op: '<', limit: 20 },
  { what: 'notification: trigger request → first of 1000 clients p99 (ms; includes the request trip)', figure: 'fanout.1000.first', stat: 'p99', op: '<', limit: 2 },
  { what: 'notification: trigger request → last of 1000 clients p99 (ms; includes the request trip)', figure: 'fanout.1000.last', stat: 'p99', op: '<', limit: 20 },
  { what: 'camera appears (registry event) → MediaMTX path ready (ms)', figure: 'control.camera_to_path', stat: 'value', op: '<', limit: 50 },
  { what: 'idle RSS, 0 cameras, 0 clients (MB)', figure: 'memory.idle_rss', stat: 'value', op: '<=', limit: 50 },
  { what: 'RSS with 10 cameras and 100 clients (MB)', figure: 'camera_scale.10cams_100clients.rss', stat: 'value', op: '<=', limit: 60 },
  { what: 'service CPU idle (%)', figure: 'camera_scale.0cams_0clients.service_cpu', stat: 'value', op: '<', limit: 2 },
  { what: 'service CPU, 10 cameras + 500 clients (%)', figure: 'camera_scale.10cams_500clients.service_cpu', stat: 'value', op: '<', limit: 25 },
  { what: 'service CPU, 16 cameras + 1000 clients (%)', figure: 'camera_scale.16cams_1000clients.service_cpu', stat: 'value', op: '<', limit: 50 },
  { what: 'start_streaming reply (ms)', figure: 'control.start_streaming_reply', stat: 'value', op: '<', limit: 100 },
  { what: 'MediaMTX kill → all paths restored (ms)', figure: 'control.mediamtx_kill_to_paths', stat: 'value', op: '<', limit: 5000 },
  { what: 'FFmpeg kill → readable again (ms)', figure: 'control.ffmpeg_kill_to_available', stat: 'value', op: '<', limit: 3000 },
  { what: 'take_snapshot while streaming p95 (ms)', figure: 'media.take_snapshot', stat: 'p95', op: '<', limit: 50 },
  { what: 'soak RSS growth after warm-up (%)', figure: 'soak.rss_growth', stat: 'value', op: '<', limit: 5 },
  { what: 'soak open fds after − before', figure: 'soak.fd_growth', stat: 'value', op: '<=', limit: 0 },
  { what: 'soak child processes after − before', figure: 'soak.children_growth', stat: 'value', op: '<=', limit: 0 },
];

export function budgetRows(subject: SubjectReport): string[][] {
  const figures = new Map(subject.scenarios.flatMap((s) => s.figures.map((f) => [f.id, f] as const)));
  const rows: string[][] = [];
  for (const b of BUDGETS) {
    const f = figures.get(b.figure);
    const values = f?.stats[b.stat];
    if (!values?.length) continue;
    const m = spread(values).median;
    const ok = b.op === '<' ? m < b.limit : b.op === '<=' ? m <= b.limit : b.op === '>=' ? m >= b.limit : m === b.limit;
    rows.push([b.what, `${b.op} ${b.limit}`, cell(values), ok ? 'yes' : '**no**']);
  }
  return rows;
}

export function markdown(doc: ResultsDoc, extra: string[] = []): string {
  const m = doc.machine;
  const out = [
    `# ${doc.kind === 'soak' ? 'Soak' : 'Benchmark'} ${doc.startedAt} (commit ${doc.commit}${doc.dirty ? ', src/ had uncommitted changes' : ''})`,
    '',
    `Machine: ${m.cores} cores, ${m.cpuModel}, ${m.memoryGb} GB, Linux ${m.kernel}, Node ${m.node}; open-file limit ${m.fileLimit.soft}/${m.fileLimit.hard}.`,
    `Load average before ${m.loadAvgBefore.join(' ')}${m.loadAvgAfter ? `, after ${m.loadAvgAfter.join(' ')}` : ''} (other work on the machine shows here and widens the spreads).`,
    '',
    `Options: \`${JSON.stringify(doc.options)}\``,
    '',
    'Each cell is the median over runs with (min–max) across runs; distributions are per run (p50/p95/p99/max of every sample in the run).',
    '',
  ];
  for (const subject of doc.subjects) {
    out.push(`## ${subject.name} — ${subject.url}`, '', `Methods (${subject.methodSource}): ${subject.methods.join(', ')}`, '');
    const rows = budgetRows(subject);
    if (rows.length) out.push('Budgets of issue 7 measured in this run:', '', ...table(['budget', 'limit', 'measured', 'met'], rows), '');
    for (const s of subject.scenarios) out.push(...scenarioMarkdown(s));
  }
  out.push(...extra);
  return `${out.join('\n')}\n`;
}

/** Writes `<base>.json` and `<base>.md` in `dir`, never overwriting an older pair. */
export function writeResults(dir: string, doc: ResultsDoc, md: string): { json: string; md: string } {
  mkdirSync(dir, { recursive: true });
  let base = resultsBaseName(doc);
  for (let i = 2; existsSync(join(dir, `${base}.json`)); i++) base = `${resultsBaseName(doc)}-${i}`;
  const json = join(dir, `${base}.json`);
  writeFileSync(json, `${JSON.stringify(doc, null, 1)}\n`);
  writeFileSync(join(dir, `${base}.md`), md);
  return { json, md: join(dir, `${base}.md`) };
}
