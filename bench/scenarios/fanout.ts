/** Notification fan-out: one event inside the service → receipt by every client. */
import { findTrigger } from '../lib/triggers.js';
import type { FanoutEvent } from '../lib/protocol.js';
import { distribution } from '../lib/stats.js';
import { sourceAddresses } from '../lib/subject.js';
import { sleep, type Scenario } from './types.js';

export const fanout: Scenario = {
  name: 'fanout',
  title: 'Notification fan-out (camera_status_update)',
  what:
    'N authenticated clients (viewer) and one control connection (admin). The control connection sends a request that changes a camera; the ' +
    'service emits camera_status_update to every authenticated client. For each event: time from the trigger request being written to the ' +
    'receipt by the first, median and last of the N clients, and the spread (last − first), which is the fan-out itself. ' +
    'Clock: every timestamp is taken in the generator process with performance.now() (monotonic, sub-microsecond); trigger and receipts are in the ' +
    'same process, so no two clocks are compared. Date.now() was rejected (1 ms resolution, wall clock that NTP may step); ' +
    'performance.timeOrigin + performance.now() across processes would add the error of two wall-clock readings at process start. ' +
    'The figures include the trigger request’s one-way trip (about half the control RTT, reported) and its handler; receipt is when the first byte ' +
    'of the frame reaches the generator, before any parsing.',
  async run(ctx, out) {
    const s = await ctx.subject();
    const caps = await ctx.caps(s);
    const trigger = findTrigger(caps, ctx.opts.fanoutTrigger);
    if ('missing' in trigger) return out.skip(trigger.missing);
    out.notes.push(`trigger: ${trigger.description}`);
    const { repeats, fanoutClients, fanoutEvents } = ctx.opts;
    const perRun = Math.max(2, Math.ceil(fanoutEvents / repeats / 2) * 2); // even: every on has its off
    const viewer = await s.token('viewer');
    const admin = await s.token('admin');
    await ctx.gen.run({ cmd: 'open', group: 'control', url: s.url, count: 1, token: admin, concurrency: 1, sourceAddresses: [], timeoutMs: 10000 });
    for (const n of fanoutClients) {
      ctx.log(`fanout: ${n} clients`);
      const o = await ctx.gen.run({ cmd: 'open', group: 'fan', url: s.url, count: n, token: viewer, concurrency: 100, sourceAddresses: sourceAddresses(s.url, n), timeoutMs: 15000 });
      if (o.opened < n) out.notes.push(`${n} clients: only ${o.opened} connected ${JSON.stringify(o.failed)}`);
      await sleep(500);
      for (let r = 0; r < repeats; r++) {
        const res = await ctx.gen.run({ cmd: 'fanout', group: 'fan', control: 'control', triggers: trigger.requests, notification: 'camera_status_update', events: perRun, gapMs: 100, timeoutMs: 3000 });
        const ev = res.events;
        const errors = ev.filter((e) => e.replyError).map((e) => e.replyError);
        if (errors.length) out.notes.push(`${n} clients, run ${r + 1}: trigger errors: ${[...new Set(errors)].join('; ')}`);
        if (ev.every((e) => e.received === 0)) {
          await ctx.gen.run({ cmd: 'close', group: 'fan' });
          await ctx.gen.run({ cmd: 'close', group: 'control' });
          return out.skip(`the trigger (${trigger.requests.map((q) => q.method).join(', ')}) produced no camera_status_update within 3 s`);
        }
        const pick = (k: keyof FanoutEvent) => distribution(ev.filter((e) => e.received > 0).map((e) => e[k] as number));
        out.figures.dist(`fanout.${n}.first`, `${n} clients: first receipt`, pick('first'));
        out.figures.dist(`fanout.${n}.median`, `${n} clients: median receipt`, pick('median'));
        out.figures.dist(`fanout.${n}.last`, `${n} clients: last receipt`, pick('last'));
        out.figures.dist(`fanout.${n}.spread`, `${n} clients: last − first`, distribution(ev.filter((e) => e.received > 0).map((e) => e.last - e.first)));
        out.figures.dist(`fanout.${n}.reply`, `${n} clients: trigger reply`, pick('reply'));
        out.figures.value(`fanout.${n}.missed`, `${n} clients: receipts missing (sum over events)`, ev.reduce((a, e) => a + (res.clients - e.received), 0), 'count');
        out.figures.value(`fanout.${n}.control_rtt`, 'control connection ping RTT p50 (one-way ≈ half)', res.controlRtt.p50, 'ms');
      }
      await ctx.gen.run({ cmd: 'close', group: 'fan' });
    }
    await ctx.gen.run({ cmd: 'close', group: 'control' });
  },
};
