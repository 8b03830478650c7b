/** API latency per method at fixed open-loop rates over many authenticated connections. */
import type { RequestSpec } from '../lib/frames.js';
import { cpuMeter } from '../lib/procfs.js';
import { round, spread } from '../lib/stats.js';
import { sourceAddresses, testCameraConfig, type Subject } from '../lib/subject.js';
import type { Caps } from '../lib/capabilities.js';
import { sleep, type Scenario } from './types.js';

const RECORDING_FILES = 10_000;

interface Plan {
  spec: RequestSpec;
  /** Why it cannot run on this server, if it cannot. */
  missing?: string;
}

/** The methods measured: those of the contract that read state, each with params that make sense here. */
export function plan(caps: Caps): Plan[] {
  const device = caps.cameras[0]?.device;
  const has = (m: string) => caps.methods.has(m);
  const simple = (method: string, params?: Record<string, unknown>): Plan =>
    has(method) ? { spec: { method, ...(params ? { params } : {}) } } : { spec: { method }, missing: 'not offered by this server yet' };
  const perCamera = (method: string): Plan =>
    !has(method) ? { spec: { method }, missing: 'not offered by this server yet' } : device ? { spec: { method, params: { device } } } : { spec: { method }, missing: 'needs a camera; the server lists none' };
  return [
    simple('ping'),
    simple('get_camera_list'),
    simple('get_server_info'),
    simple('get_system_status'),
    perCamera('get_camera_status'),
    perCamera('get_camera_capabilities'),
    simple('get_status'),
    simple('get_metrics'),
    simple('list_recordings', { limit: 50 }),
  ];
}

/**
 * Waits until the service is idle (CPU below `belowPct` of a core over 500 ms): after start
 * (it scans the recordings directory) and after a cell that overloaded it, so background work
 * and backlogs do not land on the next cell. Returns the wait in ms.
 */
async function quiesce(s: Subject, maxMs = 30_000, belowPct = 20): Promise<number> {
  const t0 = performance.now();
  if (!s.pid) {
    await sleep(5000);
    return 5000;
  }
  const cpu = cpuMeter(s.pid);
  while (performance.now() - t0 < maxMs) {
    await sleep(500);
    if (cpu() < belowPct) break;
  }
  return performance.now() - t0;
}

export const latency: Scenario = {
  name: 'latency',
  title: 'API latency per method (open loop)',
  what:
    'Requests are scheduled at a fixed rate, independent of replies (open loop), round-robin over N authenticated connections (admin token), ' +
    'one method per cell; latency runs from the *scheduled* send time to the reply, so a stalled server or generator shows up as latency instead of ' +
    'silently lowering the rate (no coordinated omission). Send times come from a metronome thread (sub-ms sleeps), so the generator adds ~0.1–0.3 ms, ' +
    'which "from send" (actual write → reply) separates out. Errors: error replies plus requests without a reply within 5 s. ' +
    '"unloaded" is the method alone, one request at a time (up to 50 or 3 s per run), after a warm-up round. ' +
    "A rate that would need more than two cores' worth of time per second at the unloaded p50 is not sent (its backlog would outlive the cell); the method " +
    'runs at half its one-at-a-time capacity instead. A method that saturates at a rate (over 10 % lost or p50 over 1 s) is not run at higher rates; ' +
    'the bench waits for the service to drain and replaces connections the server dropped before the next cell. ' +
    `The service has one test-pattern camera (on demand, no FFmpeg running) for the per-camera methods and ${RECORDING_FILES} files in its recordings directory. ` +
    'Cells run interleaved (run → rate → method) so slow drifts on a shared machine spread over all methods.',
  async run(ctx, out) {
    const { repeats, rates, duration, connections } = ctx.opts;
    const files = ctx.opts.smoke ? 200 : RECORDING_FILES;
    const s = await ctx.subject({ recordingFiles: files, overrides: testCameraConfig(1) ?? {} });
    const caps = await ctx.caps(s);
    const plans = plan(caps).filter((p) => !ctx.opts.methods || ctx.opts.methods.includes(p.spec.method));
    for (const p of plans) if (p.missing) out.notes.push(`${p.spec.method}: ${p.missing}`);
    out.notes.push(`take_snapshot while streaming, start_recording, stop_recording: see "Media method latency"`);
    const run = plans.filter((p) => !p.missing);
    if (run.length === 0) return out.skip('none of the methods is offered');
    if (s.kind === 'target') out.notes.push(`the target's cameras and files are whatever it has (${caps.cameras.length} cameras)`);
    else if (files !== RECORDING_FILES) out.notes.push(`list_recordings ran with ${files} files (smoke), not ${RECORDING_FILES}`);

    const token = await s.token('admin');
    const addrs = sourceAddresses(s.url, connections);
    ctx.log(`latency: opening ${connections} connections`);
    const o = await ctx.gen.run({ cmd: 'open', group: 'latency', url: s.url, count: connections, token, concurrency: 50, sourceAddresses: addrs, timeoutMs: 10000 });
    if (o.opened < connections) out.notes.push(`only ${o.opened} of ${connections} connections opened: ${JSON.stringify(o.failed)} ${o.errorSamples.join('; ')}`);
    if (o.opened === 0) return out.skip('no connection could be opened');

    const settled = await quiesce(s, 60_000, 10);
    if (settled > 1000) out.notes.push(`the service was busy for ${Math.round(settled / 1000)} s after start (e.g. scanning the recordings directory) before the first measurement`);
    // Warm-up (JIT, buffers) and the unloaded latency: each method alone, one request at a time.
    const unloaded = new Map<string, number[]>();
    for (let r = 0; r <= repeats; r++) {
      for (const p of run) {
        const res = await ctx.gen.run({ cmd: 'serial', group: 'latency', request: p.spec, count: 50, maxMs: 3000, timeoutMs: 30000 });
        if (r === 0) continue;
        out.figures.dist(`latency.${p.spec.method}.unloaded`, `${p.spec.method} unloaded (one at a time)`, res.latency);
        unloaded.set(p.spec.method, [...(unloaded.get(p.spec.method) ?? []), res.latency.p50]);
      }
    }
    // A method whose unloaded latency says a rate needs more than two cores' worth of time per
    // second is not sent at that rate: its backlog would outlive the cell and wreck the next
    // ones. It runs at half of what one request at a time sustains instead.
    const tooSlow = (m: string, rate: number) => ((spread(unloaded.get(m) ?? []).median || 0) * rate) / 1000 > 2;
    const halfCapacity = (m: string) => Math.max(1, Math.floor(500 / Math.max(1e-3, spread(unloaded.get(m) ?? []).median || 1)));
    for (const p of run) {
      const m = p.spec.method;
      const skipped = rates.filter((rate) => tooSlow(m, rate));
      if (skipped.length) {
        out.notes.push(
          `${m}: not sent at ${skipped.join(', ')}/s — at its unloaded p50 of ${round(spread(unloaded.get(m)!).median)} ms that is ` +
            `${round((spread(unloaded.get(m)!).median * skipped[0]!) / 1000)} s of work per second; measured at ${halfCapacity(m)}/s (half of one-at-a-time capacity) instead`,
        );
      }
    }

    const cpu = s.pid ? cpuMeter(s.pid) : undefined;
    const saturatedAt = new Map<string, number>();
    const cell = async (r: number, p: Plan, rate: number, id: string, label: string) => {
      const m = p.spec.method;
      ctx.log(`latency: run ${r + 1}/${repeats} ${m} at ${rate}/s`);
      cpu?.();
      const res = await ctx.gen.run({ cmd: 'load', group: 'latency', requests: [p.spec], rate, durationMs: duration * 1000, timeoutMs: 5000 });
      const cpuPct = cpu?.();
      const failedPct = ((res.errors + res.lost) / res.scheduled) * 100;
      out.figures.dist(id, `${label}, from schedule`, res.fromSchedule);
      out.figures.dist(`${id}.from_send`, `${label}, from send`, res.fromSend);
      out.figures.value(`${id}.errors`, `${label}, errors + lost`, failedPct, '%');
      if (cpuPct !== undefined) out.figures.value(`${id}.cpu`, `${label}, service CPU (100 % = 1 core)`, cpuPct, '%');
      out.figures.value(`latency.generator.${rate}rps.send_lag_p99`, `generator send lag p99 @ ${rate}/s (health of the generator)`, res.sendLag.p99, 'ms');
      out.figures.value(`latency.generator.${rate}rps.cpu`, `generator CPU @ ${rate}/s`, res.generatorCpuPct, '%');
      if (res.errors || res.lost) out.notes.push(`run ${r + 1}, ${label}: ${res.errors} error replies ${JSON.stringify(res.errorCodes)}, ${res.lost} lost of ${res.scheduled}`);
      if (res.achievedRate < rate * 0.9) out.notes.push(`run ${r + 1}, ${label}: the generator only reached ${Math.round(res.achievedRate)}/s`);
      if (res.lost > res.scheduled * 0.1 || res.fromSchedule.p50 > 1000) {
        saturatedAt.set(m, rate);
        const waited = await quiesce(s);
        out.notes.push(`${label} saturates the service (p50 ${Math.round(res.fromSchedule.p50)} ms, ${Math.round(failedPct)} % errors + lost): not run at this rate and above after run ${r + 1}; the service took ${Math.round(waited / 1000)} s to drain`);
      } else await sleep(200);
      // Connections the server dropped (e.g. heartbeats missed while it was overloaded) are replaced.
      const st = await ctx.gen.run({ cmd: 'status', group: 'latency' });
      if (st.open < o.opened) {
        out.notes.push(`run ${r + 1}, after ${label}: ${o.opened - st.open} connections had been dropped by the server ${JSON.stringify(st.closeCodes)}; reopened`);
        await ctx.gen.run({ cmd: 'open', group: 'latency', url: s.url, count: o.opened, topUp: true, token, concurrency: 50, sourceAddresses: addrs, timeoutMs: 10000 });
      }
    };
    for (let r = 0; r < repeats; r++) {
      for (const rate of rates) {
        for (const p of run) {
          const m = p.spec.method;
          const sat = saturatedAt.get(m);
          if ((sat !== undefined && rate >= sat) || tooSlow(m, rate)) continue;
          await cell(r, p, rate, `latency.${m}.${rate}rps`, `${m} @ ${rate}/s`);
        }
      }
      for (const p of run) {
        const m = p.spec.method;
        if (rates.some((rate) => tooSlow(m, rate))) await cell(r, p, halfCapacity(m), `latency.${m}.half_capacity`, `${m} @ ${halfCapacity(m)}/s (half capacity)`);
      }
    }
    await ctx.gen.run({ cmd: 'close', group: 'latency' });
  },
};
