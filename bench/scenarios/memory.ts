/** Memory of the service process: idle, and with idle authenticated clients. */
import { cpuMeter, rssMb, statusKb } from '../lib/procfs.js';
import { startRuntimeFloor } from '../lib/runtime-floor.js';
import { spread } from '../lib/stats.js';
import { NODE_FLAGS } from '../../src/node-flags.js';
import { sleep, type Scenario } from './types.js';

/** Median of a few VmRSS readings, so one reading during a GC does not decide the figure. */
export async function steadyRss(pid: number, samples = 5, everyMs = 200): Promise<number> {
  const v: number[] = [];
  for (let i = 0; i < samples; i++) {
    v.push(rssMb(pid));
    if (i < samples - 1) await sleep(everyMs);
  }
  return spread(v).median;
}

export const memory: Scenario = {
  name: 'memory',
  title: 'Memory (VmRSS of the service process)',
  what:
    'A fresh service per run, left alone, then VmRSS from /proc/<pid>/status (median of 5 readings): idle with 0 cameras and 0 clients, ' +
    "read once a few seconds after ready and again 20 s after ready (--idle S; the steady figure: V8's memory reducer has shrunk the young generation by then), " +
    'split into RssAnon (heap, stacks, buffers) and RssFile (pages of the node binary and libraries, shared with every Node process and reclaimable), ' +
    'then with N authenticated idle clients. Idle CPU is utime+stime from /proc/<pid>/stat over the readings. ' +
    'MediaMTX (a child) is reported apart and is not included in the service figure. ' +
    'The runtime floor is a Node process of the same binary with the same flags that runs only a timer, started beside the service and read at the same moment: ' +
    'what any Node process of that version costs, so "over the floor" is what the service adds.',
  async run(ctx, out) {
    const { repeats, settle, memoryClients } = ctx.opts;
    for (let r = 0; r < repeats; r++) {
      const s = await ctx.subject();
      if (!s.pid) return out.skip('the target process cannot be observed: pass --target-pid PID');
      if (r === 0 && s.kind === 'target') out.notes.push('target: not restarted between runs, so "idle" is whatever state it is in');
      // The same binary and flags as the service (a --target process is not ours to compare).
      const floor = s.kind === 'self' ? await startRuntimeFloor(ctx.opts.node ?? process.execPath, ctx.opts.nodeFlags ?? NODE_FLAGS) : undefined;
      let early: number, idle: number, floorRss: number | undefined, idleCpu: number;
      try {
        await sleep(settle * 1000);
        early = await steadyRss(s.pid, 5, Math.max(100, settle * 250));
        // V8 shrinks the young generation and collects start-up garbage once allocation has
        // been quiet for a while (its memory reducer, ~10 s after start here): the steady idle
        // figure is read after that, which is what a long-running daemon shows.
        await sleep(Math.max(0, ctx.opts.idle - settle - 1) * 1000);
        const cpu = cpuMeter(s.pid);
        [idle, floorRss] = await Promise.all([steadyRss(s.pid, 5, Math.max(100, settle * 250)), floor && steadyRss(floor.pid, 5, Math.max(100, settle * 250))]);
        idleCpu = cpu();
      } finally {
        await floor?.stop();
      }
      out.figures.value('memory.idle_rss_early', `idle RSS ${settle} s after ready, before V8's memory reducer has run`, early, 'MB');
      out.figures.value('memory.idle_cpu', 'idle CPU, 0 cameras, 0 clients (100 % = 1 core)', idleCpu, '%');
      out.figures.value('memory.idle_rss', 'idle RSS, 0 cameras, 0 clients', idle, 'MB');
      out.figures.value('memory.idle_rss_anon', '… of which anonymous (heap, stacks: what the service controls)', statusKb(s.pid, 'RssAnon') / 1024, 'MB');
      out.figures.value('memory.idle_rss_file', '… of which file-backed (node binary and libraries, shared)', statusKb(s.pid, 'RssFile') / 1024, 'MB');
      if (floorRss !== undefined) {
        out.figures.value('memory.runtime_floor_rss', 'runtime floor: the same Node and flags running only a timer, read at the same moment', floorRss, 'MB');
        out.figures.value('memory.idle_rss_over_floor', 'idle RSS over the runtime floor (what the service adds)', idle - floorRss, 'MB');
      }
      const mtx = s.children().filter((p) => /mediamtx/i.test(p.comm));
      if (mtx.length) out.figures.value('memory.mediamtx_rss', 'MediaMTX RSS (child, not included above)', mtx.reduce((a, p) => a + rssMb(p.pid), 0), 'MB');
      const token = await s.token('viewer');
      const o = await ctx.gen.run({ cmd: 'open', group: 'memory', url: s.url, count: memoryClients, token, concurrency: 20, sourceAddresses: [], timeoutMs: 10000 });
      if (o.opened < memoryClients) out.notes.push(`run ${r + 1}: only ${o.opened} of ${memoryClients} clients connected (${JSON.stringify(o.failed)})`);
      await sleep(Math.max(1000, settle * 500));
      const withClients = await steadyRss(s.pid);
      out.figures.value(`memory.rss_${memoryClients}_clients`, `RSS with ${memoryClients} idle authenticated clients`, withClients, 'MB');
      out.figures.value('memory.rss_per_client', `RSS per client (from the two figures above)`, ((withClients - idle) * 1024) / Math.max(1, o.opened), 'KB');
      await ctx.gen.run({ cmd: 'close', group: 'memory' });
    }
    out.notes.push('with 10 test-pattern cameras and 100 clients: see "Camera scale and CPU"');
  },
};
