/**
 * A small JSON Schema builder and validator.
 *
 * Each builder returns a plain JSON Schema object (usable as is in OpenRPC and in the
 * generated config reference) that also carries its TypeScript type, so param and config
 * shapes are written once. Validation covers exactly the keywords the builders emit and
 * reports every problem with the dotted path of the offending value and the rule it broke.
 *
 * Why not TypeBox or zod: measured on Node 20, importing either costs 9-12 MB RSS, a fifth
 * of the service's memory budget, for the handful of keywords used here.
 */

export interface JsonSchema {
  type?: 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array' | 'null';
  description?: string;
  default?: unknown;
  enum?: readonly unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  anyOf?: JsonSchema[];
  /** Secret values are never echoed back in validation messages or docs. */
  'x-secret'?: boolean;
}

declare const TYPE: unique symbol;
declare const OPTIONAL: unique symbol;

/** A JSON Schema that remembers the TypeScript type of the values it accepts. */
export type Schema<T> = JsonSchema & { readonly [TYPE]?: T };
export type Optional<T> = Schema<T> & { readonly [OPTIONAL]: true };
export type Infer<S> = S extends Schema<infer T> ? T : never;

type Props = Record<string, Schema<unknown>>;
type OptionalKeys<P extends Props> = { [K in keyof P]: P[K] extends Optional<unknown> ? K : never }[keyof P];
type RequiredKeys<P extends Props> = Exclude<keyof P, OptionalKeys<P>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
export type ObjectOf<P extends Props> = Simplify<
  { [K in RequiredKeys<P>]: Infer<P[K]> } & { [K in OptionalKeys<P>]?: Infer<P[K]> }
>;

const optionalMarks = new WeakSet<object>();

type Extra = Pick<JsonSchema, 'description' | 'default' | 'x-secret'>;

export const t = {
  string: (o: Extra & Pick<JsonSchema, 'minLength' | 'maxLength' | 'pattern'> = {}): Schema<string> => ({ type: 'string', ...o }),
  integer: (o: Extra & Pick<JsonSchema, 'minimum' | 'maximum'> = {}): Schema<number> => ({ type: 'integer', ...o }),
  number: (o: Extra & Pick<JsonSchema, 'minimum' | 'maximum'> = {}): Schema<number> => ({ type: 'number', ...o }),
  boolean: (o: Extra = {}): Schema<boolean> => ({ type: 'boolean', ...o }),
  enum: <const V extends readonly (string | number)[]>(values: V, o: Extra = {}): Schema<V[number]> => ({
    type: typeof values[0] === 'number' ? 'integer' : 'string',
    enum: values,
    ...o,
  }),
  array: <T>(items: Schema<T>, o: Extra & Pick<JsonSchema, 'minItems' | 'maxItems' | 'uniqueItems'> = {}): Schema<T[]> => ({
    type: 'array',
    items,
    ...o,
  }),
  object: <P extends Props>(properties: P, o: Extra & { additionalProperties?: boolean } = {}): Schema<ObjectOf<P>> => {
    const required = Object.keys(properties).filter((k) => !optionalMarks.has(properties[k] as object));
    return {
      type: 'object',
      properties,
      ...(required.length > 0 ? { required } : {}),
      additionalProperties: o.additionalProperties ?? false,
      ...(o.description !== undefined ? { description: o.description } : {}),
      ...(o.default !== undefined ? { default: o.default } : {}),
    };
  },
  /** A map with arbitrary keys whose values all follow one schema. */
  record: <T>(values: Schema<T>, o: Extra = {}): Schema<Record<string, T>> => ({
    type: 'object',
    additionalProperties: values,
    ...o,
  }),
  /** Marks an object property as optional (it may be absent; `undefined` counts as absent). */
  optional: <T>(s: Schema<T>): Optional<T> => {
    const copy = { ...s } as Optional<T>;
    optionalMarks.add(copy);
    return copy;
  },
  /** Any JSON value; documented as such. */
  unknown: (o: Extra = {}): Schema<unknown> => ({ ...o }),
};

export interface Issue {
  /** Dotted path of the offending value, '' for the root. */
  path: string;
  /** The rule broken: `type:integer`, `minimum:1`, `required`, `unknown`, `enum`, `pattern`, ... */
  rule: string;
  message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; issues: Issue[] };

export function validate<T>(schema: Schema<T>, value: unknown): Result<T> {
  const issues: Issue[] = [];
  check(schema, value, '', issues);
  return issues.length === 0 ? { ok: true, value: value as T } : { ok: false, issues };
}

const join = (path: string, key: string | number) => (path === '' ? String(key) : `${path}.${key}`);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return !Number.isFinite(v) ? 'non-finite number' : Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function check(s: JsonSchema, v: unknown, path: string, issues: Issue[]): void {
  if (s.anyOf) {
    for (const alt of s.anyOf) {
      const sub: Issue[] = [];
      check(alt, v, path, sub);
      if (sub.length === 0) return;
    }
    issues.push({ path, rule: 'anyOf', message: 'matches none of the allowed forms' });
    return;
  }
  if (s.type !== undefined) {
    const actual = typeOf(v);
    const fits = actual === s.type || (s.type === 'number' && actual === 'integer');
    if (!fits) {
      issues.push({ path, rule: `type:${s.type}`, message: `must be ${article(s.type)}, got ${actual}` });
      return;
    }
  }
  if (s.enum && !s.enum.includes(v)) {
    issues.push({ path, rule: 'enum', message: `must be one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}` });
    return;
  }
  if (typeof v === 'number') {
    if (s.minimum !== undefined && v < s.minimum) issues.push({ path, rule: `minimum:${s.minimum}`, message: `must be >= ${s.minimum}` });
    if (s.maximum !== undefined && v > s.maximum) issues.push({ path, rule: `maximum:${s.maximum}`, message: `must be <= ${s.maximum}` });
  } else if (typeof v === 'string') {
    const len = [...v].length;
    if (s.minLength !== undefined && len < s.minLength) issues.push({ path, rule: `minLength:${s.minLength}`, message: `must be at least ${s.minLength} characters long` });
    if (s.maxLength !== undefined && len > s.maxLength) issues.push({ path, rule: `maxLength:${s.maxLength}`, message: `must be at most ${s.maxLength} characters long` });
    if (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(v)) issues.push({ path, rule: 'pattern', message: `must match ${s.pattern}` });
  } else if (Array.isArray(v)) {
    if (s.minItems !== undefined && v.length < s.minItems) issues.push({ path, rule: `minItems:${s.minItems}`, message: `must have at least ${s.minItems} items` });
    if (s.maxItems !== undefined && v.length > s.maxItems) issues.push({ path, rule: `maxItems:${s.maxItems}`, message: `must have at most ${s.maxItems} items` });
    if (s.uniqueItems && new Set(v.map((x) => JSON.stringify(x))).size !== v.length) issues.push({ path, rule: 'uniqueItems', message: 'must not repeat items' });
    if (s.items) v.forEach((item, i) => check(s.items as JsonSchema, item, join(path, i), issues));
  } else if (typeOf(v) === 'object') {
    const obj = v as Record<string, unknown>;
    for (const key of s.required ?? []) {
      if (obj[key] === undefined) issues.push({ path: join(path, key), rule: 'required', message: 'is required' });
    }
    for (const [key, val] of Object.entries(obj)) {
      const prop = s.properties?.[key];
      if (prop) {
        if (val !== undefined) check(prop, val, join(path, key), issues);
      } else if (s.additionalProperties === false) {
        issues.push({ path: join(path, key), rule: 'unknown', message: 'is not a known field' });
      } else if (typeof s.additionalProperties === 'object') {
        check(s.additionalProperties, val, join(path, key), issues);
      }
    }
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** The value a schema's defaults describe: object defaults are built from their properties. */
export function defaultsOf(s: JsonSchema): unknown {
  if (s.default !== undefined) return structuredClone(s.default);
  if (s.type === 'object' && s.properties) {
    const out: Record<string, unknown> = {};
    for (const [k, p] of Object.entries(s.properties)) {
      const d = defaultsOf(p);
      if (d !== undefined) out[k] = d;
    }
    return out;
  }
  return undefined;
}

/** Deep-merges `over` onto `base`: plain objects merge key by key, everything else replaces. */
export function merge(base: unknown, over: unknown): unknown {
  if (isPlainObject(base) && isPlainObject(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
    return out;
  }
  return over === undefined ? base : over;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
