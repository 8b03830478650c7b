/** What a scenario gets to work with, and what it reports. */
import type { Caps } from '../lib/capabilities.js';
import type { Generator } from '../lib/generator-handle.js';
import type { BenchOptions } from '../lib/options.js';
import type { Figures } from '../lib/results.js';
import type { SelfOptions, Subject } from '../lib/subject.js';

export interface Ctx {
  opts: BenchOptions;
  gen: Generator;
  /**
   * The server to load. For this service each call starts a fresh process (the previous one
   * is stopped), so scenarios do not inherit each other's heap; a target is always the same.
   */
  subject(setup?: SelfOptions): Promise<Subject>;
  /** The subject already running (a fresh one if none is). */
  current(): Promise<Subject>;
  /** What the subject offers (cached per subject URL). */
  caps(subject: Subject): Promise<Caps>;
  log(msg: string): void;
}

export interface Out {
  figures: Figures;
  notes: string[];
  /** Marks the scenario skipped with a reason the summary prints; the scenario returns after calling it. */
  skip(reason: string): void;
}

export interface Scenario {
  name: string;
  title: string;
  /** One paragraph: what is measured and how. */
  what: string;
  run(ctx: Ctx, out: Out): Promise<void>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
