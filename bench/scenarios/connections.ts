/** Ramp to many concurrent authenticated connections, hold them, ping through them. */
import { cpuMeter, fileLimit } from '../lib/procfs.js';
import { HEARTBEAT_S } from '../lib/options.js';
import { sourceAddresses } from '../lib/subject.js';
import { steadyRss } from './memory.js';
import { sleep, type Scenario } from './types.js';

/** File descriptors the service and the generator keep for themselves beyond one per connection. */
const FD_MARGIN = 300;

export const connections: Scenario = {
  name: 'connections',
  title: 'Concurrent connections',
  what:
    'A fresh service per run; the generator opens N WebSocket connections (100 handshakes in flight, source addresses spread over 127.0.0.0/8 so ' +
    'ephemeral ports never run short) and authenticates each (viewer JWT). Figures: connections held, refused/failed, time to ramp, per-connection ' +
    'connect+handshake+authenticate time, service RSS per idle connection ((RSS after − RSS before) / held), then ping latency at a fixed open-loop ' +
    'rate spread over all of them while they are held, and connections the server dropped.',
  async run(ctx, out) {
    const { maxConnections, hold, holdRate } = ctx.opts;
    const repeats = Math.min(ctx.opts.repeats, 2); // the heaviest scenario: two runs give a spread
    const limit = fileLimit();
    const count = Math.min(maxConnections, limit.hard - FD_MARGIN);
    out.notes.push(
      `held ${hold} s with pings: ${(hold / HEARTBEAT_S).toFixed(1)} intervals of the service's heartbeat (${HEARTBEAT_S} s, the shipped server.heartbeat_interval_s, spread over the interval); ` +
        'the budget asks for at least two, so no tail depends on whether the run crossed a heartbeat tick',
    );
    if (count < maxConnections) {
      out.notes.push(`capped at ${count} connections by the open-file limit (hard ${limit.hard}; the bench raises the soft limit to it, raising the hard one needs root/CAP_SYS_RESOURCE)`);
    }
    for (let r = 0; r < repeats; r++) {
      const s = await ctx.subject();
      const token = await s.token('viewer');
      const addrs = sourceAddresses(s.url, count);
      if (r === 0 && addrs.length) out.notes.push(`client source addresses: ${addrs[0]}–${addrs[addrs.length - 1]} (${addrs.length})`);
      const before = s.pid ? await steadyRss(s.pid) : Number.NaN;
      const cpu = s.pid ? cpuMeter(s.pid) : undefined;
      ctx.log(`connections: run ${r + 1}/${repeats}, ramping to ${count}`);
      const o = await ctx.gen.run({ cmd: 'open', group: 'hold', url: s.url, count, token, concurrency: 100, sourceAddresses: addrs, timeoutMs: 15000 });
      const rampCpu = cpu?.();
      const failed = Object.values(o.failed).reduce((a, b) => a + b, 0);
      out.figures.value('connections.held', 'connections opened and authenticated', o.opened, 'count', 'higher');
      out.figures.value('connections.failed', 'connections refused or failed during the ramp', failed, 'count');
      out.figures.value('connections.ramp_rate', 'ramp rate', (o.opened / o.rampMs) * 1000, 'conn/s', 'higher');
      out.figures.dist('connections.setup', 'connect + handshake + authenticate, per connection', o.setupMs);
      if (rampCpu !== undefined) {
        out.figures.value('connections.ramp_cpu', 'service CPU during the ramp (100 % = 1 core)', rampCpu, '%');
        // CPU time per connection: what the service spends on upgrade + authenticate, steadier than the rate on a shared machine.
        out.figures.value('connections.ramp_cpu_per_conn', 'service CPU per connection during the ramp (upgrade + authenticate)', ((rampCpu / 100) * o.rampMs) / Math.max(1, o.opened), 'ms');
      }
      if (failed) out.notes.push(`run ${r + 1}: ${failed} failed ${JSON.stringify(o.failed)}: ${o.errorSamples.join('; ')}`);
      await sleep(2000);
      if (s.pid) {
        const after = await steadyRss(s.pid);
        out.figures.value('connections.rss_held', `service RSS holding the connections`, after, 'MB');
        out.figures.value('connections.rss_per_conn', 'service RSS per idle connection', ((after - before) * 1024) / Math.max(1, o.opened), 'KB');
      }
      if (o.opened > 0) {
        ctx.log(`connections: holding ${o.opened} for ${hold} s with ${holdRate} pings/s`);
        cpu?.();
        const ping = await ctx.gen.run({ cmd: 'load', group: 'hold', requests: [{ method: 'ping' }], rate: holdRate, durationMs: hold * 1000, timeoutMs: 5000 });
        const holdCpu = cpu?.();
        out.figures.dist('connections.ping_while_held', `ping @ ${holdRate}/s over the held connections, from schedule`, ping.fromSchedule);
        out.figures.dist('connections.ping_while_held.from_send', `ping @ ${holdRate}/s over the held connections, from send`, ping.fromSend);
        out.figures.value('connections.generator_send_lag_p99', 'generator send lag p99 while held (its own stalls)', ping.sendLag.p99, 'ms');
        out.figures.value('connections.ping_errors', 'ping errors + lost while held', ((ping.errors + ping.lost) / ping.scheduled) * 100, '%');
        if (holdCpu !== undefined) out.figures.value('connections.hold_cpu', `service CPU while held with ${holdRate} pings/s`, holdCpu, '%');
      }
      const st = await ctx.gen.run({ cmd: 'status', group: 'hold' });
      out.figures.value('connections.dropped', 'connections dropped by the server while held', st.dropped, 'count');
      if (st.dropped) out.notes.push(`run ${r + 1}: close codes ${JSON.stringify(st.closeCodes)}`);
      out.figures.value('connections.generator_rss', 'generator RSS holding them (leanness of the generator)', st.rssMb, 'MB');
      await ctx.gen.run({ cmd: 'close', group: 'hold' });
    }
  },
};
