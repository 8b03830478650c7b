/** Messages between the bench orchestrator and the load generator process (over the fork IPC channel). */
import type { Distribution } from './stats.js';
import type { RequestSpec } from './frames.js';

export interface OpenCmd {
  cmd: 'open';
  group: string;
  url: string;
  count: number;
  /** Authenticate each connection with this token (omit: unauthenticated). */
  token?: string;
  /** Only open what the group lacks to have `count` open connections (closed ones are dropped from it). */
  topUp?: boolean;
  /** Then subscribe each connection to these topics (subscribe_events). */
  subscribe?: string[];
  /** Handshakes in flight at once. */
  concurrency: number;
  /** Local addresses to spread connections over (round robin); empty: the kernel's choice. */
  sourceAddresses: string[];
  timeoutMs: number;
}
export interface OpenResult {
  opened: number;
  failed: Record<string, number>;
  errorSamples: string[];
  rampMs: number;
  /** Connect + handshake + authenticate, per connection. */
  setupMs: Distribution;
}

export interface CloseCmd {
  cmd: 'close';
  /** '*': every group. */
  group: string;
}
export interface CloseResult {
  closed: number;
  ms: number;
}

export interface LoadCmd {
  cmd: 'load';
  group: string;
  /** Rotated request by request. */
  requests: RequestSpec[];
  rate: number;
  durationMs: number;
  /** How long to wait for the last replies after the last send. */
  timeoutMs: number;
}
export interface LoadResult {
  scheduled: number;
  sent: number;
  ok: number;
  errors: number;
  /** No reply before the timeout (or the connection was gone). */
  lost: number;
  errorCodes: Record<string, number>;
  /** Scheduled send time → reply received (open loop: includes any generator lag). */
  fromSchedule: Distribution;
  /** Actual send → reply received. */
  fromSend: Distribution;
  /** Scheduled → actual send (the generator's own lag). */
  sendLag: Distribution;
  achievedRate: number;
  generatorCpuPct: number;
}

/** Closed loop: one request at a time on one connection, each sent when the previous reply arrived. */
export interface SerialCmd {
  cmd: 'serial';
  group: string;
  request: RequestSpec;
  count: number;
  /** Stop early after this long (slow methods). */
  maxMs: number;
  timeoutMs: number;
}
export interface SerialResult {
  latency: Distribution;
  errors: number;
}

export interface FanoutCmd {
  cmd: 'fanout';
  group: string;
  /** Group holding one connection that sends the triggers. */
  control: string;
  /** Trigger requests, used in turn (e.g. add, remove). */
  triggers: RequestSpec[];
  /** Notification methods that count as receipt. */
  notifications: string[];
  events: number;
  gapMs: number;
  timeoutMs: number;
}
export interface FanoutEvent {
  /** Trigger sent → receipt by the first, median and last client (ms); NaN if nobody received it. */
  first: number;
  median: number;
  last: number;
  received: number;
  /** Trigger sent → its reply. */
  reply: number;
  /** CPU the generator itself spent from the trigger to the last receipt (ms): its own share of the spread. */
  generatorCpu: number;
  /**
   * When the trigger's reply carries `event_monotonic_ms` (add/remove_test_camera): the same
   * receipts timed from that registry event inside the service (shared CLOCK_MONOTONIC), the
   * trigger write → event, and event → reply receipt (ms).
   */
  fromEvent?: { first: number; median: number; last: number; sendToEvent: number; eventToReply: number };
  replyError?: string;
}
export interface FanoutResult {
  clients: number;
  events: FanoutEvent[];
  /** Ping round trips on the control connection just before the events (ms). */
  controlRtt: Distribution;
}

export interface ChurnCmd {
  cmd: 'churn';
  url: string;
  token: string;
  /** New sessions started per second. */
  rate: number;
  durationMs: number;
  maxInFlight: number;
  /** Topics each session subscribes to (none: skip subscribe/unsubscribe). */
  topics: string[];
  sourceAddresses: string[];
  timeoutMs: number;
}
export interface ChurnResult {
  started: number;
  completed: number;
  failed: Record<string, number>;
  errorSamples: string[];
  sessionMs: Distribution;
}

export interface StatusCmd {
  cmd: 'status';
  group?: string;
}
export interface StatusResult {
  open: number;
  /** Closed by the server or by an error since the group was opened (not by us). */
  dropped: number;
  closeCodes: Record<string, number>;
  rssMb: number;
}

export type Command = OpenCmd | CloseCmd | LoadCmd | SerialCmd | FanoutCmd | ChurnCmd | StatusCmd;
export type ResultOf<C extends Command> = C extends OpenCmd
  ? OpenResult
  : C extends CloseCmd
    ? CloseResult
    : C extends LoadCmd
      ? LoadResult
      : C extends SerialCmd
        ? SerialResult
        : C extends FanoutCmd
        ? FanoutResult
        : C extends ChurnCmd
          ? ChurnResult
          : StatusResult;

export type Request = Command & { rid: number };
export type Response = { rid: number; ok: true; result: unknown } | { rid: number; ok: false; error: string };
