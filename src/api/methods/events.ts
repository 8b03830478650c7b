/** subscribe_events, unsubscribe_events, get_subscription_stats. */
import { t } from '../../lib/schema.js';
import { TOPICS, type Topic } from '../notifications.js';
import { rpcErrors } from '../rpc/errors.js';
import { defineMethod, type MethodDef } from '../rpc/registry.js';
import type { Session } from '../session.js';

export interface EventDeps {
  /** Every open session, for global statistics. */
  sessions(): Iterable<Session>;
}

const topicList = t.array(t.string({ minLength: 1, maxLength: 64 }), { maxItems: TOPICS.length, description: `topics: ${TOPICS.join(', ')}` });

function checkTopics(topics: string[]): Topic[] {
  for (const [i, topic] of topics.entries()) {
    if (!(TOPICS as readonly string[]).includes(topic)) {
      throw rpcErrors.invalidParams(`topics.${i}`, 'enum', `unknown topic '${topic}'; known topics: ${TOPICS.join(', ')}`);
    }
  }
  return [...new Set(topics)] as Topic[];
}

export function eventMethods(deps: EventDeps): MethodDef[] {
  return [
    defineMethod({
      name: 'subscribe_events',
      minRole: 'viewer',
      summary: 'Adds topic subscriptions for this connection, optionally for one camera only.',
      params: t.object({
        topics: t.array(t.string({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: TOPICS.length }),
        filters: t.optional(t.object({ device: t.optional(t.string({ pattern: '^camera[0-9]+$' })) })),
      }),
      result: t.object({ subscribed: t.boolean(), topics: t.array(t.string()), filters: t.object({ device: t.optional(t.string()) }) }),
      handler: ({ topics, filters }, { session }) => {
        const wanted = checkTopics(topics);
        const sub = (session.subscriptions ??= { topics: new Set() });
        for (const topic of wanted) sub.topics.add(topic);
        if (filters?.device !== undefined) sub.device = filters.device;
        else if (filters !== undefined) delete sub.device;
        return { subscribed: true, topics: [...sub.topics], filters: sub.device !== undefined ? { device: sub.device } : {} };
      },
    }),
    defineMethod({
      name: 'unsubscribe_events',
      minRole: 'viewer',
      summary: 'Removes topic subscriptions (all when topics is absent).',
      params: t.object({ topics: t.optional(topicList) }),
      result: t.object({ unsubscribed: t.boolean(), topics: t.array(t.string()) }),
      handler: ({ topics }, { session }) => {
        const sub = session.subscriptions;
        if (topics === undefined) {
          const removed = sub ? [...sub.topics] : [];
          delete session.subscriptions;
          return { unsubscribed: true, topics: removed };
        }
        const wanted = checkTopics(topics);
        for (const topic of wanted) sub?.topics.delete(topic);
        if (sub && sub.topics.size === 0) delete session.subscriptions;
        return { unsubscribed: true, topics: wanted };
      },
    }),
    defineMethod({
      name: 'get_subscription_stats',
      minRole: 'viewer',
      summary: 'Subscription counts across all clients, and this client\'s topics.',
      params: t.object({}),
      result: t.object({
        global_stats: t.object({ total_subscriptions: t.integer(), active_clients: t.integer(), topic_counts: t.record(t.integer()) }),
        client_topics: t.array(t.string()),
        client_id: t.string(),
      }),
      handler: (_p, { session }) => {
        const topicCounts: Record<string, number> = {};
        let total = 0;
        let clients = 0;
        for (const s of deps.sessions()) {
          if (!s.subscriptions || s.subscriptions.topics.size === 0) continue;
          clients++;
          for (const topic of s.subscriptions.topics) {
            topicCounts[topic] = (topicCounts[topic] ?? 0) + 1;
            total++;
          }
        }
        return {
          global_stats: { total_subscriptions: total, active_clients: clients, topic_counts: topicCounts },
          client_topics: [...(session.subscriptions?.topics ?? [])],
          client_id: session.id,
        };
      },
    }),
  ];
}
