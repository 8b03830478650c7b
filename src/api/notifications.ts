/**
 * Server → client notifications. Default notifications (`camera_status_update`,
 * `recording_status_update`) go to every authenticated client; topic notifications go to
 * sessions that subscribed to the topic (and, with `filters.device`, to that camera only).
 */
import type { Session } from './session.js';

export const TOPICS = [
  'camera.connected',
  'camera.disconnected',
  'camera.status_change',
  'camera.capability_detected',
  'camera.capability_error',
  'camera.settings_changed',
  'recording.start',
  'recording.stop',
  'recording.progress',
  'recording.error',
  'snapshot.taken',
  'snapshot.error',
  'system.health',
  'system.error',
  'system.startup',
  'system.shutdown',
  'stream.started',
  'stream.stopped',
  'stream.error',
  'storage.low_space',
  // Names older clients subscribe to: the first two are delivered to everyone anyway.
  'camera_status_update',
  'recording_status_update',
  'system_health_update',
] as const;
export type Topic = (typeof TOPICS)[number];

export function isTopic(v: string): v is Topic {
  return (TOPICS as readonly string[]).includes(v);
}

/** Anything that can write one serialized notification to the sessions a predicate admits. */
export interface NotificationSink {
  notify(method: string, params: unknown, accept?: (s: Session) => boolean): number;
}

/**
 * Sees every notification once, after the WebSocket sessions (e.g. the MQTT bridge). It must
 * not throw and must not keep the caller waiting: it runs on the notifying module's stack.
 */
export type NotificationObserver = (method: string, params: Record<string, unknown>, device: string | undefined) => void;

export class Notifier {
  readonly #observers = new Set<NotificationObserver>();

  constructor(private readonly sink: NotificationSink) {}

  /** Adds an observer of every notification; returns the function that removes it. */
  observe(observer: NotificationObserver): () => void {
    this.#observers.add(observer);
    return () => void this.#observers.delete(observer);
  }

  /** A default notification: every authenticated client. */
  broadcast(method: 'camera_status_update' | 'recording_status_update', params: Record<string, unknown>): number {
    const n = this.sink.notify(method, params);
    this.#tell(method, params, typeof params.device === 'string' ? params.device : undefined);
    return n;
  }

  /** A topic notification: params are `{device?, timestamp, ...fields}`. */
  publish(topic: Topic, fields: Record<string, unknown>, device?: string): number {
    const params = { ...(device !== undefined ? { device } : {}), timestamp: new Date().toISOString(), ...fields };
    const n = this.sink.notify(topic, params, (s) => subscribed(s, topic, device));
    this.#tell(topic, params, device);
    return n;
  }

  #tell(method: string, params: Record<string, unknown>, device: string | undefined): void {
    for (const o of this.#observers) o(method, params, device);
  }
}

export function subscribed(s: Session, topic: string, device: string | undefined): boolean {
  const sub = s.subscriptions;
  if (!sub || !sub.topics.has(topic)) return false;
  return sub.device === undefined || device === undefined || sub.device === device;
}

/**
 * Replies first: while a JSON-RPC reply is pending, notifications wait for the next turn of
 * the event loop, in order, so a method whose handler causes a notification (start_recording
 * → recording_status_update) answers its caller first, as the replaced service did. With no
 * reply pending (a hotplug event, a process exit, a timer) a notification is written at once,
 * after any still queued: nothing it could overtake, and a client learns of an unplugged
 * camera without waiting for the rest of that turn's work. `flush()` writes what is queued at
 * once (before closing clients).
 */
export class AfterReplySink implements NotificationSink {
  #queue: { method: string; params: unknown; accept?: (s: Session) => boolean }[] = [];
  #scheduled: NodeJS.Immediate | undefined;
  #pendingReplies = 0;

  constructor(private readonly sink: NotificationSink) {}

  /** Marks a reply as pending; returns the function that marks it written (idempotent). */
  replyPending(): () => void {
    this.#pendingReplies++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#pendingReplies--;
    };
  }

  /** Written at once when no reply is pending (the number of recipients); else queued (0). */
  notify(method: string, params: unknown, accept?: (s: Session) => boolean): number {
    if (this.#pendingReplies === 0) {
      if (this.#queue.length > 0) this.flush();
      return this.sink.notify(method, params, accept);
    }
    this.#queue.push({ method, params, ...(accept ? { accept } : {}) });
    this.#scheduled ??= setImmediate(() => this.flush());
    return 0;
  }

  flush(): void {
    if (this.#scheduled) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    const queue = this.#queue;
    this.#queue = [];
    for (const n of queue) this.sink.notify(n.method, n.params, n.accept);
  }
}
