/**
 * The method registry: each method's name, minimum role, param schema, result schema and
 * handler, declared in one place. The dispatcher enforces roles and params from it, and the
 * OpenRPC document is generated from it.
 */
import type { MinRole } from '../auth/roles.js';
import type { Session } from '../session.js';
import type { JsonSchema, Schema } from '../../lib/schema.js';

export interface CallContext {
  session: Session;
  /** Server-side id of this request, echoed in metadata and in internal-error replies. */
  requestId: string;
}

export interface MethodDef<P = any, R = unknown> {
  name: string;
  minRole: MinRole;
  summary: string;
  /** Longer explanation for the API reference (Markdown). */
  description?: string;
  params: Schema<P>;
  result: JsonSchema;
  /**
   * Domain error codes the method may answer (e.g. -32010, -32020, -32050), for the OpenRPC
   * document; the generic ones (-32602, -32001, -32002, -32040, -32603) are added from the role.
   */
  errors?: readonly number[];
  handler: (params: P, ctx: CallContext) => R | Promise<R>;
}

/** Typed helper so handlers see their params' inferred type. */
export function defineMethod<P, R>(def: MethodDef<P, R>): MethodDef<P, R> {
  return def;
}

export class MethodRegistry {
  readonly #methods = new Map<string, MethodDef>();

  add(...defs: MethodDef[]): this {
    for (const def of defs) {
      if (this.#methods.has(def.name)) throw new Error(`method ${def.name} registered twice`);
      this.#methods.set(def.name, def);
    }
    return this;
  }

  get(name: string): MethodDef | undefined {
    return this.#methods.get(name);
  }

  list(): MethodDef[] {
    return [...this.#methods.values()];
  }
}
