/**
 * Regression tracking: each figure of a run beside the same figure of an older results
 * file, flagged only when the change is beyond the run-to-run noise both files measured:
 * the two ranges of runs (min–max) do not overlap, and the medians differ by more than
 * 10 % (and by more than 0.05 ms for times, 0.5 MB for memory, so tiny absolute changes on
 * tiny figures are not called regressions).
 */
import type { Figure, ResultsDoc, SubjectReport } from './results.js';
import { cell } from './results.js';
import { round, spread } from './stats.js';

export interface Change {
  subject: string;
  figure: string;
  label: string;
  stat: string;
  unit: string;
  old: number[];
  now: number[];
  deltaPct: number;
  verdict: 'better' | 'worse' | 'changed' | 'same' | 'new' | 'gone';
}

const MIN_ABS: Partial<Record<string, number>> = { ms: 0.05, MB: 0.5, KB: 1, '%': 1, s: 0.05 };

export function judge(old: number[], now: number[], better: Figure['better'], unit: string): { deltaPct: number; verdict: Change['verdict'] } {
  const o = spread(old);
  const n = spread(now);
  const deltaPct = o.median === 0 ? (n.median === 0 ? 0 : Number.POSITIVE_INFINITY) : ((n.median - o.median) / Math.abs(o.median)) * 100;
  const overlap = n.min <= o.max && o.min <= n.max;
  const big = Math.abs(deltaPct) > 10 && Math.abs(n.median - o.median) > (MIN_ABS[unit] ?? 0);
  if (overlap || !big) return { deltaPct, verdict: 'same' };
  if (better === 'none') return { deltaPct, verdict: 'changed' };
  const up = n.median > o.median;
  return { deltaPct, verdict: up === (better === 'higher') ? 'better' : 'worse' };
}

function pairSubjects(older: ResultsDoc, now: ResultsDoc): [SubjectReport, SubjectReport][] {
  const pairs: [SubjectReport, SubjectReport][] = [];
  for (const s of now.subjects) {
    const o = older.subjects.find((x) => x.name === s.name) ?? (older.subjects.length === 1 && now.subjects.length === 1 ? older.subjects[0] : undefined);
    if (o) pairs.push([o, s]);
  }
  return pairs;
}

export function compare(older: ResultsDoc, now: ResultsDoc): Change[] {
  const changes: Change[] = [];
  for (const [o, s] of pairSubjects(older, now)) {
    const oldFigures = new Map(o.scenarios.flatMap((x) => x.figures.map((f) => [f.id, f] as const)));
    const seen = new Set<string>();
    for (const f of s.scenarios.flatMap((x) => x.figures)) {
      seen.add(f.id);
      const of = oldFigures.get(f.id);
      for (const [stat, values] of Object.entries(f.stats)) {
        const ov = of?.stats[stat];
        if (!ov?.length) {
          changes.push({ subject: s.name, figure: f.id, label: f.label, stat, unit: f.unit, old: [], now: values, deltaPct: Number.NaN, verdict: 'new' });
          continue;
        }
        changes.push({ subject: s.name, figure: f.id, label: f.label, stat, unit: f.unit, old: ov, now: values, ...judge(ov, values, f.better, f.unit) });
      }
    }
    for (const [id, f] of oldFigures) {
      if (seen.has(id)) continue;
      for (const [stat, values] of Object.entries(f.stats)) {
        changes.push({ subject: s.name, figure: id, label: f.label, stat, unit: f.unit, old: values, now: [], deltaPct: Number.NaN, verdict: 'gone' });
      }
    }
  }
  return changes;
}

const MARK: Record<Change['verdict'], string> = { better: 'BETTER', worse: 'WORSE', changed: 'CHANGED', same: '', new: 'new', gone: 'gone' };

export function compareMarkdown(changes: Change[], olderName: string): string[] {
  const flagged = changes.filter((c) => c.verdict === 'better' || c.verdict === 'worse' || c.verdict === 'changed');
  const out = [
    `## Compared with ${olderName}`,
    '',
    `${flagged.length} change(s) beyond the run-to-run noise (ranges of runs do not overlap and medians differ by > 10 %).`,
    '',
    '| figure | stat | unit | older | now | Δ | flag |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const c of changes) {
    const d = Number.isFinite(c.deltaPct) ? `${c.deltaPct > 0 ? '+' : ''}${round(c.deltaPct)} %` : '';
    out.push(`| ${c.label} | ${c.stat} | ${c.unit} | ${cell(c.old)} | ${cell(c.now)} | ${d} | ${MARK[c.verdict]} |`);
  }
  out.push('');
  return out;
}

/** A plain-text table for the terminal. */
export function compareText(changes: Change[]): string {
  const rows = changes.map((c) => [
    `${c.label} ${c.stat}`,
    c.unit,
    cell(c.old),
    cell(c.now),
    Number.isFinite(c.deltaPct) ? `${c.deltaPct > 0 ? '+' : ''}${round(c.deltaPct)}%` : '',
    MARK[c.verdict],
  ]);
  const header = ['figure', 'unit', 'older', 'now', 'Δ', 'flag'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((x, i) => x.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
