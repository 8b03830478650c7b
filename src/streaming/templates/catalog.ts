/**
 * Loading the template directory into a catalog. Every file is checked; all problems are
 * reported together in one TemplateLoadError (each line naming its file), so a broken
 * template stops startup with a message that says where to look.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTemplate, templateNameOf, TemplateError, type FfmpegTemplate, type TemplateKind } from './template.js';

export class TemplateLoadError extends Error {
  constructor(
    readonly dir: string,
    readonly problems: readonly TemplateError[],
  ) {
    super(`invalid FFmpeg templates in ${dir}:\n${problems.map((p) => `  ${p.message}`).join('\n')}`);
    this.name = 'TemplateLoadError';
  }
}

export class UnknownTemplateError extends Error {
  constructor(
    readonly template: string,
    readonly known: readonly string[],
  ) {
    super(`unknown FFmpeg template ${JSON.stringify(template)} (known: ${known.join(', ')})`);
    this.name = 'UnknownTemplateError';
  }
}

export class TemplateCatalog {
  readonly #byName: ReadonlyMap<string, FfmpegTemplate>;

  constructor(templates: Iterable<FfmpegTemplate>) {
    const map = new Map<string, FfmpegTemplate>();
    for (const t of templates) {
      const other = map.get(t.name);
      if (other) throw new TemplateError(t.file, `template name "${t.name}" is also used by ${other.file}`);
      map.set(t.name, t);
    }
    this.#byName = new Map([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** The template of that name, or undefined. */
  find(name: string): FfmpegTemplate | undefined {
    return this.#byName.get(name);
  }

  /** The template of that name; throws UnknownTemplateError otherwise. */
  get(name: string): FfmpegTemplate {
    const t = this.#byName.get(name);
    if (!t) throw new UnknownTemplateError(name, this.names());
    return t;
  }

  names(): string[] {
    return [...this.#byName.keys()];
  }

  list(kind?: TemplateKind): FfmpegTemplate[] {
    return [...this.#byName.values()].filter((t) => kind === undefined || t.kind === kind);
  }
}

/** Builds a catalog from (file path, text) pairs, collecting every problem. */
export function catalogFromFiles(dir: string, files: readonly { path: string; text: string }[]): TemplateCatalog {
  const problems: TemplateError[] = [];
  const templates: FfmpegTemplate[] = [];
  const seen = new Map<string, string>();
  for (const { path, text } of files) {
    try {
      const t = parseTemplate(text, path);
      const other = seen.get(t.name);
      if (other) throw new TemplateError(path, `template name "${t.name}" is also used by ${other}`);
      seen.set(t.name, path);
      templates.push(t);
    } catch (err) {
      if (err instanceof TemplateError) problems.push(err);
      else throw err;
    }
  }
  if (files.length === 0) problems.push(new TemplateError(dir, 'no template files (*.yaml) found'));
  if (problems.length > 0) throw new TemplateLoadError(dir, problems);
  return new TemplateCatalog(templates);
}

/** Loads and validates every `*.yaml`/`*.yml` file of `dir` (other files are ignored). */
export async function loadTemplates(dir: string = defaultTemplatesDir()): Promise<TemplateCatalog> {
  const names = (await readdir(dir)).filter((n) => templateNameOf(n) !== undefined).sort();
  const files = await Promise.all(names.map(async (n) => ({ path: join(dir, n), text: await readFile(join(dir, n), 'utf8') })));
  return catalogFromFiles(dir, files);
}

/** Synchronous variant of loadTemplates, for startup code and tests. */
export function loadTemplatesSync(dir: string = defaultTemplatesDir()): TemplateCatalog {
  const names = readdirSync(dir).filter((n) => templateNameOf(n) !== undefined).sort();
  return catalogFromFiles(dir, names.map((n) => ({ path: join(dir, n), text: readFileSync(join(dir, n), 'utf8') })));
}

/**
 * The `ffmpeg-templates/` directory of this package, found by walking up from this module
 * (the same code runs from `src/` and from `dist/src/`).
 */
export function defaultTemplatesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'ffmpeg-templates');
    if (existsSync(join(dir, 'package.json')) && existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`ffmpeg-templates/ not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}
