/** Notification fan-out: one event inside the service → receipt by every client. */
import { startFloor } from '../lib/floor.js';
import { candidates, NO_TRIGGER, type Trigger } from '../lib/triggers.js';
import type { FanoutEvent } from '../lib/protocol.js';
import { distribution, spread } from '../lib/stats.js';
import { sourceAddresses, testCameraConfig, type Subject } from '../lib/subject.js';
import { sleep, type Ctx, type Out, type Scenario } from './types.js';

/** The first candidate trigger that makes a few clients receive its notification. */
async function pick(ctx: Ctx, s: Subject, list: Trigger[], notes: string[]): Promise<Trigger | undefined> {
  const viewer = await s.token('viewer');
  for (const t of list) {
    await ctx.gen.run({ cmd: 'open', group: 'probe', url: s.url, count: 3, token: viewer, subscribe: t.subscribe, concurrency: 3, sourceAddresses: [], timeoutMs: 10000 });
    const res = await ctx.gen.run({ cmd: 'fanout', group: 'probe', control: 'control', triggers: t.requests, notifications: t.notifications, events: 2, gapMs: 100, timeoutMs: 3000 });
    await ctx.gen.run({ cmd: 'close', group: 'probe' });
    if (res.events.some((e) => e.received > 0)) return t;
    const err = res.events.find((e) => e.replyError)?.replyError;
    notes.push(`trigger ${t.requests.map((q) => q.method).join('/')} → no ${t.notifications.join('/')} within 3 s${err ? ` (${err})` : ''}`);
  }
  return undefined;
}

export const fanout: Scenario = {
  name: 'fanout',
  title: 'Notification fan-out',
  what:
    'N authenticated clients (viewer) and one control connection (admin). The control connection sends a request that changes something; the ' +
    'service notifies every client. For each event: time from the trigger request being written to the receipt by the first, median and last ' +
    'of the N clients, and the spread (last − first), which is the fan-out itself. ' +
    'Clock: every timestamp is taken in the generator process with performance.now() (monotonic, sub-microsecond); trigger and receipts are in the ' +
    'same process, so no two clocks are compared. Date.now() was rejected (1 ms resolution, wall clock that NTP may step); ' +
    'performance.timeOrigin + performance.now() across processes would add the error of two wall-clock readings at process start. ' +
    'Receipt is when the first byte of the frame reaches the generator, before any parsing. "first" includes the trigger request’s one-way trip ' +
    '(about half the control RTT, reported) and whatever the service does before it notifies. ' +
    'From the event (the budget’s definition, "event.*" figures): with add/remove_test_camera the reply carries event_monotonic_ms, the time the ' +
    'service’s camera registry emitted the change (read with process.hrtime just before the notification is serialized and written). ' +
    'process.hrtime is CLOCK_MONOTONIC, one clock for every process on the host, and the generator’s performance.now() is the same clock minus ' +
    'its own origin, so receipts convert exactly; no wall clocks are compared. Sanity figures: trigger write → event and event → reply, both > 0. ' +
    'Floor ("floor server" figures): the same clients and trigger against bench/floor-server.ts, a minimal broadcast server on ws in a process of its own ' +
    '(fixed replies, one frame of the same size written to every client, no validation or filtering); the service\'s last-receipt p99 is reported as a ratio of the floor\'s (budget ≤ 1.15).',
  async run(ctx, out) {
    const s = await ctx.subject({ overrides: testCameraConfig(1) ?? {} });
    const caps = await ctx.caps(s);
    const list = candidates(caps, ctx.opts.fanoutTrigger);
    if (!list.length) return out.skip(NO_TRIGGER);
    await ctx.gen.run({ cmd: 'open', group: 'control', url: s.url, count: 1, token: await s.token('admin'), concurrency: 1, sourceAddresses: [], timeoutMs: 10000 });
    try {
      const trigger = await pick(ctx, s, list, out.notes);
      if (!trigger) return out.skip(NO_TRIGGER);
      out.notes.push(`trigger: ${trigger.description}`);
      if (trigger.standIn) out.notes.push('the contract’s camera_status_update fan-out is not measured yet: no camera can be made to change at run time');
      const { repeats, fanoutClients, fanoutEvents } = ctx.opts;
      const perRun = Math.max(2, Math.ceil(fanoutEvents / repeats / 2) * 2); // even: every on has its off
      const viewer = await s.token('viewer');
      // Stand-in figures get their own ids: the budgets (and --compare) are about camera_status_update.
      const base = trigger.standIn ? 'fanout_standin' : 'fanout';
      for (const n of fanoutClients) {
        ctx.log(`fanout: ${n} clients`);
        const o = await ctx.gen.run({ cmd: 'open', group: 'fan', url: s.url, count: n, token: viewer, subscribe: trigger.subscribe, concurrency: 100, sourceAddresses: sourceAddresses(s.url, n), timeoutMs: 15000 });
        if (o.opened < n) out.notes.push(`${n} clients: only ${o.opened} connected ${JSON.stringify(o.failed)}`);
        await sleep(500);
        const lastP99 = await measure(ctx, out, { group: 'fan', control: 'control', trigger, n, runs: repeats, perRun, base });
        await ctx.gen.run({ cmd: 'close', group: 'fan' });
        // The floor: the same clients and trigger against a minimal broadcast server (bench/floor-server.ts).
        const floor = await startFloor(trigger.notifications[0]!);
        try {
          await ctx.gen.run({ cmd: 'open', group: 'floorctl', url: floor.url, count: 1, token: 'floor', concurrency: 1, sourceAddresses: [], timeoutMs: 10000 });
          const f = await ctx.gen.run({ cmd: 'open', group: 'floorfan', url: floor.url, count: n, token: 'floor', subscribe: trigger.subscribe, concurrency: 100, sourceAddresses: sourceAddresses(floor.url, n), timeoutMs: 15000 });
          if (f.opened < n) out.notes.push(`floor, ${n} clients: only ${f.opened} connected`);
          await sleep(500);
          const floorP99 = await measure(ctx, out, { group: 'floorfan', control: 'floorctl', trigger, n, runs: repeats, perRun, base: `${base}_floor`, label: 'floor server' });
          if (lastP99.length && floorP99.length) {
            const ratio = spread(lastP99).median / spread(floorP99).median;
            out.figures.value(`${base}.${n}.last_p99_vs_floor`, `${n} clients: last receipt p99, service ÷ floor (budget ≤ 1.15)`, ratio, 'count');
          }
        } finally {
          await ctx.gen.run({ cmd: 'close', group: 'floorfan' });
          await ctx.gen.run({ cmd: 'close', group: 'floorctl' });
          await floor.stop();
        }
        await ctx.gen.run({ cmd: 'close', group: 'fan' });
      }
    } finally {
      await ctx.gen.run({ cmd: 'close', group: 'control' });
    }
  },
};

interface MeasureOptions {
  group: string;
  control: string;
  trigger: Trigger;
  n: number;
  runs: number;
  perRun: number;
  base: string;
  label?: string;
}

/** Fan-out runs against the clients of `group`; returns the p99 of the last receipt per run (from the event when known). */
async function measure(ctx: Ctx, out: Pick<Out, 'figures' | 'notes'>, o: MeasureOptions): Promise<number[]> {
  const who = o.label ? `${o.label}, ` : '';
  const lastP99: number[] = [];
  for (let r = 0; r < o.runs; r++) {
    const res = await ctx.gen.run({ cmd: 'fanout', group: o.group, control: o.control, triggers: o.trigger.requests, notifications: o.trigger.notifications, events: o.perRun, gapMs: 200, timeoutMs: 5000 });
    const ev = res.events.filter((e) => e.received > 0);
    const errors = res.events.filter((e) => e.replyError).map((e) => e.replyError);
    if (errors.length) out.notes.push(`${who}${o.n} clients, run ${r + 1}: trigger errors: ${[...new Set(errors)].join('; ')}`);
    if (ev.length < res.events.length) out.notes.push(`${who}${o.n} clients, run ${r + 1}: ${res.events.length - ev.length} of ${res.events.length} events reached nobody`);
    const pick = (k: keyof FanoutEvent) => distribution(ev.map((e) => e[k] as number));
    out.figures.dist(`${o.base}.${o.n}.first`, `${who}${o.n} clients: first receipt`, pick('first'));
    out.figures.dist(`${o.base}.${o.n}.median`, `${who}${o.n} clients: median receipt`, pick('median'));
    out.figures.dist(`${o.base}.${o.n}.last`, `${who}${o.n} clients: last receipt`, pick('last'));
    out.figures.dist(`${o.base}.${o.n}.spread`, `${who}${o.n} clients: last − first`, distribution(ev.map((e) => e.last - e.first)));
    out.figures.dist(`${o.base}.${o.n}.reply`, `${who}${o.n} clients: trigger reply`, pick('reply'));
    out.figures.dist(`${o.base}.${o.n}.generator_cpu`, `${who}${o.n} clients: generator CPU from trigger to last receipt (its own share of the spread)`, pick('generatorCpu'));
    const fe = ev.filter((e) => e.fromEvent).map((e) => e.fromEvent!);
    if (fe.length) {
      const from = (k: keyof typeof fe[number]) => distribution(fe.map((e) => e[k]));
      out.figures.dist(`${o.base}.${o.n}.event.first`, `${who}${o.n} clients: registry event → first receipt`, from('first'));
      out.figures.dist(`${o.base}.${o.n}.event.median`, `${who}${o.n} clients: registry event → median receipt`, from('median'));
      out.figures.dist(`${o.base}.${o.n}.event.last`, `${who}${o.n} clients: registry event → last receipt`, from('last'));
      out.figures.dist(`${o.base}.${o.n}.event.send_to_event`, `${who}${o.n} clients: trigger written → registry event (one-way trip + handler)`, from('sendToEvent'));
      out.figures.dist(`${o.base}.${o.n}.event.event_to_reply`, `${who}${o.n} clients: registry event → trigger reply received`, from('eventToReply'));
      lastP99.push(distribution(fe.map((e) => e.last)).p99);
    } else if (r === 0) out.notes.push(`${who}${o.n} clients: the trigger reply carries no event time, so receipts are timed from the trigger request only`);
    out.figures.value(`${o.base}.${o.n}.missed`, `${who}${o.n} clients: receipts missing (sum over events)`, res.events.reduce((a, e) => a + (res.clients - e.received), 0), 'count');
    out.figures.value(`${o.base}.${o.n}.control_rtt`, `${who}${o.n} clients: control connection ping RTT p50 (one-way ≈ half)`, res.controlRtt.p50, 'ms');
    if (!fe.length) lastP99.push(pick('last').p99);
  }
  return lastP99;
}
