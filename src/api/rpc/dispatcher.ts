/**
 * Runs one frame through the contract: envelope, rate limit, method lookup, authentication,
 * role, params, handler. Knows nothing of sockets: it takes text and returns the text to send
 * back (or undefined when nothing is owed, e.g. notifications).
 */
import { validate } from '../../lib/schema.js';
import { roleAllows } from '../auth/roles.js';
import { activeRole, type Session } from '../session.js';
import { errorReply, parseFrame, resultReply, type Reply, type RpcCall, type RpcId } from './envelope.js';
import { errorDataFor, RpcError, rpcErrors } from './errors.js';
import type { MethodRegistry } from './registry.js';

export type Outcome = 'ok' | 'error' | 'internal_error' | 'rate_limited';

export interface DispatcherHooks {
  /** Called once per executed call (not for envelope errors). */
  onCall?(method: string, outcome: Outcome, seconds: number): void;
  /** Called with the request id and the error for every unexpected (non-RpcError) failure. */
  onInternalError?(method: string, requestId: string, err: unknown): void;
  /** Called for every dependency failure (-32050), whose raw detail only admins see in replies. */
  onDependencyError?(method: string, requestId: string, err: RpcError): void;
}

/** Admission of one request (each batch element counts): 0 when admitted, else ms to wait. */
export interface RequestLimiter {
  take(): number;
}

/** Requests in one batch at most: larger batches answer one -32600 and nothing runs. */
export interface BatchLimits {
  /** For an authenticated session. */
  maxBatch: number;
  /** Before authentication (a handful: authenticate and a few public calls). */
  maxBatchUnauthenticated: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxBatch: 100, maxBatchUnauthenticated: 4 };

let requestCounter = 0;
const nextRequestId = () => `req-${(++requestCounter).toString(36)}`;

export class Dispatcher {
  #inFlight = 0;

  constructor(
    private readonly registry: MethodRegistry,
    private readonly hooks: DispatcherHooks = {},
    private readonly now: () => number = Date.now,
    private readonly batchLimits: BatchLimits = DEFAULT_BATCH_LIMITS,
  ) {}

  /** Calls being handled right now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Handles one text frame; resolves to the reply text, or undefined when no reply is owed. */
  async handleFrame(text: string, session: Session, limiter?: RequestLimiter): Promise<string | undefined> {
    // Bounded before anything runs: the reply of a batch grows with its length.
    const authenticated = activeRole(session, this.now()) !== undefined;
    const max = authenticated ? this.batchLimits.maxBatch : this.batchLimits.maxBatchUnauthenticated;
    const parsed = parseFrame(text, max);
    if ('parseError' in parsed) {
      const wait = limiter?.take() ?? 0;
      return JSON.stringify(errorReply(null, wait > 0 ? rpcErrors.rateLimited(wait) : parsed.parseError));
    }
    if ('oversizeBatch' in parsed) {
      const wait = limiter?.take() ?? 0;
      const hint = authenticated
        ? `send at most ${max} requests per batch`
        : `send at most ${max} requests per batch before authenticating (up to ${this.batchLimits.maxBatch} after)`;
      return JSON.stringify(errorReply(null, wait > 0 ? rpcErrors.rateLimited(wait) : rpcErrors.invalidRequest(`batch too large: ${parsed.oversizeBatch} requests, at most ${max}`, hint)));
    }
    const replies = await Promise.all(
      parsed.items.map((item) => {
        const wait = limiter?.take() ?? 0;
        if ('error' in item) return errorReply(item.id, wait > 0 ? rpcErrors.rateLimited(wait) : item.error);
        if (wait > 0) return this.#limited(item.call, wait);
        return this.#run(item.call, session);
      }),
    );
    const owed = replies.filter((r): r is Reply => r !== undefined);
    if (owed.length === 0) return undefined;
    return JSON.stringify(parsed.batch ? owed : owed[0]);
  }

  #limited(call: RpcCall, wait: number): Reply | undefined {
    this.hooks.onCall?.(this.registry.get(call.method) ? call.method : 'unknown', 'rate_limited', 0);
    if (call.id === undefined) return undefined;
    const err = rpcErrors.rateLimited(wait);
    return errorReply(call.id, err);
  }

  async #run(call: RpcCall, session: Session): Promise<Reply | undefined> {
    const started = performance.now();
    const requestId = nextRequestId();
    const id: RpcId = call.id ?? null;
    let outcome: Outcome = 'ok';
    let reply: Reply;
    this.#inFlight++;
    try {
      const result = await this.#execute(call, session, requestId);
      reply = resultReply(id, result, this.#metadata(started, requestId));
    } catch (err) {
      let rpcErr: RpcError;
      if (err instanceof RpcError) {
        outcome = 'error';
        rpcErr = err;
        if (err.code === -32050) this.hooks.onDependencyError?.(call.method, requestId, err);
      } else {
        outcome = 'internal_error';
        this.hooks.onInternalError?.(call.method, requestId, err);
        rpcErr = rpcErrors.internal(requestId, err instanceof Error ? `${err.name}: ${err.message}` : String(err));
      }
      const admin = activeRole(session, this.now()) === 'admin';
      const shown = new RpcError(rpcErr.code, rpcErr.message, errorDataFor(rpcErr, admin, requestId));
      reply = errorReply(id, shown, this.#metadata(started, requestId));
    } finally {
      this.#inFlight--;
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
        throw rpcErrors.auth(
          session.auth ? 'the session token has expired; authenticate again' : (session.authEnded ?? 'authenticate first: call authenticate with auth_token'),
        );
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
