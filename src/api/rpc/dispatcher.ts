/**
 * Runs one frame through the contract: envelope, method lookup, authentication, role,
 * params, handler. Knows nothing of sockets: it takes text and returns the text to send
 * back (or undefined when nothing is owed, e.g. notifications).
 */
import { validate } from '../../lib/schema.js';
import { roleAllows } from '../auth/roles.js';
import { activeRole, type Session } from '../session.js';
import { errorReply, parseFrame, resultReply, type Reply, type RpcCall, type RpcId } from './envelope.js';
import { RpcError, rpcErrors } from './errors.js';
import type { MethodRegistry } from './registry.js';

export type Outcome = 'ok' | 'error' | 'internal_error';

export interface DispatcherHooks {
  /** Called once per executed call (not for envelope errors). */
  onCall?(method: string, outcome: Outcome, seconds: number): void;
  /** Called with the request id and the error for every unexpected (non-RpcError) failure. */
  onInternalError?(method: string, requestId: string, err: unknown): void;
}

let requestCounter = 0;

export class Dispatcher {
  constructor(
    private readonly registry: MethodRegistry,
    private readonly hooks: DispatcherHooks = {},
    private readonly now: () => number = Date.now,
  ) {}

  /** Handles one text frame; resolves to the reply text, or undefined when no reply is owed. */
  async handleFrame(text: string, session: Session): Promise<string | undefined> {
    const parsed = parseFrame(text);
    if ('parseError' in parsed) return JSON.stringify(errorReply(null, parsed.parseError));
    const replies = await Promise.all(
      parsed.items.map((item) => ('error' in item ? errorReply(item.id, item.error) : this.#run(item.call, session))),
    );
    const owed = replies.filter((r): r is Reply => r !== undefined);
    if (owed.length === 0) return undefined;
    return JSON.stringify(parsed.batch ? owed : owed[0]);
  }

  async #run(call: RpcCall, session: Session): Promise<Reply | undefined> {
    const started = performance.now();
    const requestId = `req-${(++requestCounter).toString(36)}`;
    const id: RpcId = call.id ?? null;
    let outcome: Outcome = 'ok';
    let reply: Reply;
    try {
      const result = await this.#execute(call, session, requestId);
      reply = resultReply(id, result, this.#metadata(started, requestId));
    } catch (err) {
      let rpcErr: RpcError;
      if (err instanceof RpcError) {
        outcome = 'error';
        rpcErr = err;
      } else {
        outcome = 'internal_error';
        this.hooks.onInternalError?.(call.method, requestId, err);
        rpcErr = rpcErrors.internal(requestId);
      }
      reply = errorReply(id, rpcErr, this.#metadata(started, requestId));
    }
    this.hooks.onCall?.(this.registry.get(call.method) ? call.method : 'unknown', outcome, (performance.now() - started) / 1000);
    return call.id === undefined ? undefined : reply;
  }

  async #execute(call: RpcCall, session: Session, requestId: string): Promise<unknown> {
    const def = this.registry.get(call.method);
    if (!def) throw rpcErrors.methodNotFound(call.method);
    if (def.minRole !== 'none') {
      const role = activeRole(session, this.now());
      if (!role) {
        throw rpcErrors.auth(session.auth ? 'the session token has expired; authenticate again' : 'authenticate first: call authenticate with auth_token');
      }
      if (!roleAllows(role, def.minRole)) throw rpcErrors.permission(def.minRole, role);
    }
    const checked = validate(def.params, call.params);
    if (!checked.ok) {
      const issue = checked.issues[0]!;
      const reason = issue.rule === 'unknown' ? `unknown param '${issue.path}'` : `${issue.path} ${issue.message}`;
      throw rpcErrors.invalidParams(issue.path, issue.rule, reason);
    }
    return def.handler(checked.value, { session, requestId });
  }

  #metadata(started: number, requestId: string) {
    return {
      processing_time_ms: Math.round((performance.now() - started) * 1000) / 1000,
      server_timestamp: new Date().toISOString(),
      request_id: requestId,
    };
  }
}
