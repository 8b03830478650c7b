/**
 * Rendering a template into an argv array. Pure. Each placeholder is replaced by its checked
 * value inside its own argument; nothing is split, joined into a shell string or interpreted.
 */
import { formatPlaceholderValue, type PlaceholderName } from './placeholders.js';
import type { FfmpegTemplate } from './template.js';

/** Values by placeholder name. Extra names are ignored, so one bag can serve several templates. */
export type TemplateValues = Partial<Record<PlaceholderName, string | number>>;

export class RenderError extends Error {
  constructor(
    readonly template: string,
    readonly placeholder: PlaceholderName,
    readonly detail: string,
  ) {
    super(`template ${template}: {${placeholder}} ${detail}`);
    this.name = 'RenderError';
  }
}

/** Arguments for FFmpeg (without the binary). Throws RenderError on a missing or invalid value. */
export function renderArgs(template: FfmpegTemplate, values: TemplateValues): string[] {
  const formatted = new Map<PlaceholderName, string>();
  for (const name of template.placeholders.keys()) {
    const value = values[name];
    if (value === undefined) throw new RenderError(template.name, name, 'has no value');
    try {
      formatted.set(name, formatPlaceholderValue(name, value));
    } catch (err) {
      throw new RenderError(template.name, name, (err as Error).message);
    }
  }
  return template.args.map((parts) => parts.map((p) => ('text' in p ? p.text : formatted.get(p.placeholder)!)).join(''));
}

/** Full argv: the FFmpeg binary followed by the rendered arguments. */
export function renderArgv(template: FfmpegTemplate, values: TemplateValues, binary = 'ffmpeg'): string[] {
  return [binary, ...renderArgs(template, values)];
}

/**
 * A one-line, shell-quoted rendering of an argv for logs and the API (`ffmpeg_command`).
 * Display only: the service never runs it through a shell. Credentials in URLs are masked.
 */
export function formatCommand(argv: readonly string[]): string {
  return argv.map((a) => shellQuote(maskCredentials(a))).join(' ');
}

export function maskCredentials(arg: string): string {
  return arg.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1***@');
}

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_\-+=:,./@%]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
