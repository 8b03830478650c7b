/**
 * Admission under attack, with the shipped connection limits (only the measuring client's
 * request rate is raised, so its pings are not rate limited):
 * 1. `--attackers N` unauthenticated WebSocket connections from 100 loopback addresses, each
 *    reconnecting at once when closed (4001) and a second after a refusal (429/503); once the pool
 *    has turned over, an authenticated client connects and authenticates 10 times and pings
 *    one request at a time.
 * 2. On a fresh service, a 1 MB batch `[0,0,…]` before authentication while another client
 *    pings: the service's RSS growth (VmHWM) and that client's worst ping.
 * Self only: it needs the shipped limits, a fresh process and /proc.
 */
import { WebSocket } from 'ws';
import { CameraServiceClient } from '../../src/client/index.js';
import { configSchema } from '../../src/config/schema.js';
import { statusKb } from '../lib/procfs.js';
import { distribution } from '../lib/stats.js';
import { until } from './cameras.js';
import type { Scenario } from './types.js';

const ADDRESSES = 100;

/** The schema's defaults for the connection limits, with the request rate raised for the measuring client. */
function shippedLimits(): Record<string, unknown> {
  const props = configSchema.properties?.limits?.properties ?? {};
  const shipped = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, (v as { default?: unknown }).default]).filter(([, v]) => v !== undefined));
  return { limits: { ...shipped, requests_per_second: 5000, request_burst: 5000 } };
}

export const admission: Scenario = {
  name: 'admission',
  title: 'Admission under attack (shipped limits)',
  what:
    'Shipped connection limits (only the measuring client\'s request rate raised). Attack: N unauthenticated connections from 100 loopback addresses ' +
    '(127.1.0.x), each reconnecting at once when closed (4001) and after 1 s when refused; once the pool has turned over, an authenticated client connects and ' +
    'authenticates 10 times and pings one request at a time. Batch: on a fresh service, one 1 MB `[0,0,…]` batch before authentication while another client pings; ' +
    'the service\'s peak RSS growth (VmHWM) and that client\'s worst ping. Budgets (issue 15): ping p99 < 10 ms under attack; the batch < 10 MB and < 50 ms.',
  async run(ctx, out) {
    const attackers = ctx.opts.attackers;
    const pings = ctx.opts.smoke ? 100 : 2000;
    for (let r = 0; r < ctx.opts.repeats; r++) {
      const s = await ctx.subject({ overrides: shippedLimits() });
      if (s.kind !== 'self' || !s.pid) return out.skip('needs this service started by the bench (shipped limits, /proc)');
      let running = true;
      const live = new Set<WebSocket>();
      let refused = 0;
      let opened = 0;
      const attack = (addr: string): void => {
        if (!running) return;
        const ws = new WebSocket(s.url, { localAddress: addr });
        const again = (ms: number) => running && setTimeout(() => attack(addr), ms);
        let counted = false;
        ws.once('open', () => (running ? (opened++, live.add(ws)) : ws.terminate()));
        ws.once('unexpected-response', (_q, res) => (refused++, (counted = true), res.resume(), again(1000)));
        ws.once('error', () => undefined);
        ws.once('close', () => (live.delete(ws), counted || again(0)));
      };
      const t0 = performance.now();
      try {
        for (let i = 0; i < attackers; i++) attack(`127.1.0.${(i % ADDRESSES) + 1}`);
        // The pool has turned over: more opens than there are attackers (4001 displacements and
        // reconnections), and refusals when the attackers outnumber the unauthenticated slots.
        await until(() => opened >= attackers * 1.5 || (opened >= attackers && performance.now() - t0 > (ctx.opts.smoke ? 2000 : 10_000)), 120_000, 'the attack to reach its steady state', 50);
        const token = await s.token('viewer');
        const connects: number[] = [];
        const lat: number[] = [];
        for (let i = 0; i < 10; i++) {
          const c0 = performance.now();
          const c = await CameraServiceClient.connect(s.url);
          await c.authenticate(token);
          connects.push(performance.now() - c0);
          if (i === 0) {
            for (let k = 0; k < pings; k++) {
              const p0 = performance.now();
              await c.call('ping');
              lat.push(performance.now() - p0);
            }
          }
          await c.close();
        }
        out.figures.value('admission.attack.connects_ok', 'authenticated connects that succeeded under attack (of 10)', connects.length, 'count', 'higher');
        out.figures.dist('admission.attack.connect', 'connect + authenticate under attack', distribution(connects));
        out.figures.dist('admission.attack.ping', `ping under attack (${pings}, one at a time)`, distribution(lat));
        out.figures.value('admission.attack.rss', 'service RSS under attack', statusKb(s.pid, 'VmRSS') / 1024, 'MB');
        out.notes.push(`run ${r + 1}: ${attackers} attackers, ${opened} opens, ${refused} refusals, ${live.size} attacker connections open at the end`);
      } finally {
        running = false;
        for (const ws of live) ws.terminate();
        await until(() => live.size === 0, 10_000, 'the attackers to go', 20);
      }

      const f = await ctx.subject({ overrides: shippedLimits() });
      const pid = f.pid!;
      const other = await CameraServiceClient.connect(f.url);
      await other.authenticate(await f.token('viewer'));
      const frame = `[${new Array(500_000).fill('0').join(',')}]`;
      const rssBefore = statusKb(pid, 'VmRSS');
      const hwmBefore = statusKb(pid, 'VmHWM');
      const lat: number[] = [];
      let pinging = true;
      const pinger = (async () => {
        while (pinging) {
          const p0 = performance.now();
          await other.call('ping');
          lat.push(performance.now() - p0);
        }
      })();
      const ws = new WebSocket(f.url);
      await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
      const closed = new Promise<number>((resolve) => ws.once('close', resolve));
      ws.send(frame);
      const code = await closed;
      pinging = false;
      await pinger;
      await other.close();
      out.figures.value('admission.batch.peak_rss_growth', 'peak RSS growth from a 1 MB batch before authentication', Math.max(0, statusKb(pid, 'VmHWM') - hwmBefore, statusKb(pid, 'VmRSS') - rssBefore) / 1024, 'MB');
      out.figures.value('admission.batch.other_ping_max', "another client's worst ping meanwhile", Math.max(...lat), 'ms');
      out.notes.push(`run ${r + 1}: the 1 MB batch connection closed with ${code}; the other client pinged ${lat.length} times meanwhile`);
    }
  },
};
