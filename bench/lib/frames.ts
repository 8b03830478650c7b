/**
 * Request frames serialized once. A template holds the whole WebSocket frame of one
 * JSON-RPC request with a fixed-width string id; `frame(seq)` copies it and writes the
 * sequence number into the id, so a request costs one small copy and no JSON work.
 */
import { clientFrame } from './raw-ws.js';

const DIGITS = 9;

export interface RequestSpec {
  method: string;
  params?: Record<string, unknown>;
}

export class RequestTemplate {
  readonly #tpl: Buffer;
  readonly #at: number;

  /** `tag` prefixes every id (letters only), so replies to other runs are told apart. */
  constructor(spec: RequestSpec, readonly tag: string) {
    const placeholder = `${tag}${'0'.repeat(DIGITS)}`;
    const json = JSON.stringify({ jsonrpc: '2.0', method: spec.method, ...(spec.params ? { params: spec.params } : {}), id: placeholder });
    this.#tpl = clientFrame(json);
    this.#at = this.#tpl.indexOf(`"${placeholder}"`) + 1 + tag.length;
  }

  frame(seq: number): Buffer {
    const f = Buffer.allocUnsafe(this.#tpl.length);
    this.#tpl.copy(f);
    for (let i = this.#at + DIGITS - 1; i >= this.#at; i--) {
      f[i] = 48 + (seq % 10);
      seq = Math.floor(seq / 10);
    }
    return f;
  }
}

/** The sequence number of an id made by a template with `tag`, or -1. */
export function seqOf(id: unknown, tag: string): number {
  if (typeof id !== 'string' || id.length !== tag.length + DIGITS || !id.startsWith(tag)) return -1;
  return Number(id.slice(tag.length));
}
