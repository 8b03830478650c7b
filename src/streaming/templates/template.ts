/**
 * Parsing and validation of one FFmpeg pipeline template (a YAML file of ffmpeg-templates/).
 * Pure: text in, a validated template or a TemplateError naming the file out.
 * The file format is described in ffmpeg-templates/README.md.
 */
import { parseDocument } from '../../lib/deps/yaml.js';
import { isPlaceholderName, mustBeWholeArgument, type PlaceholderName } from './placeholders.js';
import { normalizeFourcc, v4l2InputFormat } from './formats.js';

export const TEMPLATE_KINDS = ['publish', 'snapshot', 'generate'] as const;
export const TEMPLATE_INPUTS = ['v4l2', 'lavfi', 'file', 'rtsp'] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];
export type TemplateInput = (typeof TEMPLATE_INPUTS)[number];

/** One piece of an argument: literal text or a placeholder. */
export type ArgPart = { text: string } | { placeholder: PlaceholderName };

export interface FfmpegTemplate {
  /** File name without extension. */
  name: string;
  /** The file it came from (as given to the parser). */
  file: string;
  description: string;
  kind: TemplateKind;
  input: TemplateInput;
  /** V4L2 templates: accepted camera formats (fourccs, and `raw` for every raw format). */
  fourcc: readonly string[];
  /** FFmpeg encoder the pipeline uses, or `copy`. */
  encoder: string;
  /** Needs hardware that may be absent; never chosen unless configured. */
  optional: boolean;
  /** Declared placeholders and their descriptions, in declaration order. */
  placeholders: ReadonlyMap<PlaceholderName, string>;
  /** Arguments after the binary, pre-split into literal text and placeholders. */
  args: readonly (readonly ArgPart[])[];
}

export class TemplateError extends Error {
  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'TemplateError';
  }
}

export const TEMPLATE_NAME_PATTERN = /^[a-z0-9][a-z0-9-]*$/;
const FIELDS = ['description', 'kind', 'input', 'fourcc', 'encoder', 'optional', 'placeholders', 'args'] as const;
const PLACEHOLDER_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * Splits one argument into literal text and `{name}` placeholders; `{{` and `}}` stand for
 * literal braces. Throws an Error (message without the file) on a malformed brace.
 */
export function parseArg(arg: string): ArgPart[] {
  const parts: ArgPart[] = [];
  let text = '';
  for (let i = 0; i < arg.length; i++) {
    const c = arg[i];
    if (c === '{' && arg[i + 1] === '{') {
      text += '{';
      i++;
    } else if (c === '}' && arg[i + 1] === '}') {
      text += '}';
      i++;
    } else if (c === '{') {
      const end = arg.indexOf('}', i + 1);
      if (end < 0) throw new Error(`unclosed "{" in argument ${JSON.stringify(arg)}`);
      const name = arg.slice(i + 1, end);
      if (!PLACEHOLDER_NAME.test(name)) throw new Error(`malformed placeholder "{${name}}" in argument ${JSON.stringify(arg)} (write "{{" for a literal brace)`);
      if (!isPlaceholderName(name)) throw new Error(`unknown placeholder {${name}} in argument ${JSON.stringify(arg)}`);
      if (text) parts.push({ text });
      text = '';
      parts.push({ placeholder: name });
      i = end;
    } else if (c === '}') {
      throw new Error(`unmatched "}" in argument ${JSON.stringify(arg)} (write "}}" for a literal brace)`);
    } else {
      text += c;
    }
  }
  if (text || parts.length === 0) parts.push({ text });
  return parts;
}

/** Template name of a file name, or undefined when the file is not a template (`.yaml`/`.yml`). */
export function templateNameOf(fileName: string): string | undefined {
  const m = /^(.*)\.ya?ml$/.exec(fileName);
  return m?.[1];
}

/**
 * Parses and validates a template. `file` names the file in errors; the template's name is
 * its base name without extension.
 */
export function parseTemplate(text: string, file: string): FfmpegTemplate {
  const fail = (detail: string): never => {
    throw new TemplateError(file, detail);
  };
  const base = file.split('/').pop() ?? file;
  const name = templateNameOf(base) ?? fail('template files must end in .yaml or .yml');
  if (!TEMPLATE_NAME_PATTERN.test(name)) fail(`template name ${JSON.stringify(name)} must match ${TEMPLATE_NAME_PATTERN.source}`);

  // The failsafe schema keeps every scalar a string, so `-crf 23` or `-q:v 2.50` reach FFmpeg
  // exactly as written instead of going through YAML's number conversion.
  const doc = parseDocument(text, { schema: 'failsafe', uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) fail(`invalid YAML: ${doc.errors[0]!.message}`);
  const root: unknown = doc.toJS();
  if (!isRecord(root)) fail('must be a YAML mapping');
  const data = root as Record<string, unknown>;
  for (const key of Object.keys(data)) {
    if (!(FIELDS as readonly string[]).includes(key)) fail(`unknown field ${JSON.stringify(key)} (allowed: ${FIELDS.join(', ')})`);
  }

  const str = (key: string, required: boolean): string | undefined => {
    const v = data[key];
    if (v === undefined) return required ? fail(`missing field "${key}"`) : undefined;
    if (typeof v !== 'string' || v.trim() === '') return fail(`field "${key}" must be a non-empty string`);
    return v;
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[]): T => {
    const v = str(key, true)!;
    if (!(allowed as readonly string[]).includes(v)) fail(`field "${key}" must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
    return v as T;
  };

  const description = str('description', true)!;
  const kind = oneOf('kind', TEMPLATE_KINDS);
  const input = oneOf('input', TEMPLATE_INPUTS);
  const encoder = str('encoder', true)!;
  const optionalText = str('optional', false) ?? 'false';
  if (optionalText !== 'true' && optionalText !== 'false') fail(`field "optional" must be true or false, got ${JSON.stringify(optionalText)}`);
  const optional = optionalText === 'true';

  let fourcc: string[] = [];
  if (data.fourcc !== undefined) {
    if (input !== 'v4l2') fail('field "fourcc" only applies to input: v4l2');
    if (!Array.isArray(data.fourcc) || data.fourcc.length === 0) fail('field "fourcc" must be a non-empty list');
    fourcc = (data.fourcc as unknown[]).map((f) => {
      if (typeof f !== 'string') return fail('fourcc entries must be strings');
      if (f === 'raw') return f;
      if (v4l2InputFormat(f) === undefined) fail(`fourcc ${JSON.stringify(f)} is not a camera format FFmpeg can request (see src/streaming/templates/formats.ts), nor "raw"`);
      return normalizeFourcc(f);
    });
  } else if (input === 'v4l2') fail('input: v4l2 templates must list the camera formats they accept in "fourcc"');

  if (!isRecord(data.placeholders)) {
    if (data.placeholders === undefined) fail('missing field "placeholders" (a mapping, may be empty: {})');
    fail('field "placeholders" must be a mapping of placeholder name to description');
  }
  const declared = new Map<PlaceholderName, string>();
  for (const [key, desc] of Object.entries(data.placeholders as Record<string, unknown>)) {
    if (!isPlaceholderName(key)) fail(`unknown placeholder {${key}} declared under "placeholders"`);
    if (typeof desc !== 'string' || desc.trim() === '') fail(`placeholder {${key}} needs a description`);
    declared.set(key as PlaceholderName, desc as string);
  }

  if (!Array.isArray(data.args) || data.args.length === 0) fail('field "args" must be a non-empty list');
  const flat: string[] = [];
  (data.args as unknown[]).forEach((entry, i) => {
    const items = Array.isArray(entry) ? (entry as unknown[]) : [entry];
    for (const item of items) {
      if (typeof item !== 'string') fail(`args entry ${i + 1} must be a string or a list of strings`);
      flat.push(item as string);
    }
  });
  if (flat[0] !== undefined && !flat[0].startsWith('-')) {
    fail(`args start after the binary: first argument ${JSON.stringify(flat[0])} should be an option`);
  }

  const used = new Set<PlaceholderName>();
  const args = flat.map((arg) => {
    let parts: ArgPart[];
    try {
      parts = parseArg(arg);
    } catch (err) {
      return fail((err as Error).message);
    }
    for (const part of parts) {
      if (!('placeholder' in part)) continue;
      const p = part.placeholder;
      if (!declared.has(p)) fail(`placeholder {${p}} is used in args but not declared under "placeholders"`);
      if (mustBeWholeArgument(p) && parts.length !== 1) fail(`placeholder {${p}} must be a whole argument, not part of ${JSON.stringify(arg)}`);
      used.add(p);
    }
    return parts;
  });
  for (const p of declared.keys()) {
    if (!used.has(p)) fail(`placeholder {${p}} is declared but not used in args`);
  }

  if (kind === 'publish') {
    if (!declared.has('publish_url')) fail('publish templates must publish to {publish_url}');
    const i = flat.indexOf('-progress');
    if (i < 0 || flat[i + 1] !== 'pipe:1') fail('publish templates must report progress with "-progress pipe:1" (the supervisor reads it)');
  } else if (!declared.has('output')) {
    fail(`${kind} templates must write to {output}`);
  }
  if (input === 'v4l2' && !declared.has('device')) fail('input: v4l2 templates must read {device}');
  if (input === 'rtsp' && !declared.has('source_url')) fail('input: rtsp templates must read {source_url}');

  return { name, file, description, kind, input, fourcc, encoder, optional, placeholders: declared, args };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
