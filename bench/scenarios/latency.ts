/** API latency per method at fixed open-loop rates over many authenticated connections. */
import type { RequestSpec } from '../lib/frames.js';
import { cpuMeter } from '../lib/procfs.js';
import { sourceAddresses } from '../lib/subject.js';
import type { Caps } from '../lib/capabilities.js';
import { cameraGap } from './cameras.js';
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
    simple('list_recordings', { limit: 50 }),
    simple('get_metrics'),
    simple('get_status'),
  ];
}

export const latency: Scenario = {
  name: 'latency',
  title: 'API latency per method (open loop)',
  what:
    'Requests are scheduled at a fixed rate, independent of replies (open loop), round-robin over N authenticated connections (admin token), ' +
    'one method per cell; latency runs from the *scheduled* send time to the reply, so a stalled server or generator shows up as latency instead of ' +
    'silently lowering the rate (no coordinated omission). "from send" is measured from the actual write and isolates the service; the generator ' +
    'wakes on ~1 ms timers, so it can add up to ~1 ms to the first. Errors: error replies plus requests without a reply within 5 s. ' +
    `list_recordings runs with ${RECORDING_FILES} files in the recordings directory. Cells run interleaved (run → rate → method) so slow drifts on a shared machine spread over all methods.`,
  async run(ctx, out) {
    const { repeats, rates, duration, connections } = ctx.opts;
    const s = await ctx.subject({ recordingFiles: RECORDING_FILES });
    const caps = await ctx.caps(s);
    const plans = plan(caps);
    for (const p of plans) if (p.missing) out.notes.push(`${p.spec.method}: ${p.missing}`);
    out.notes.push(`take_snapshot while streaming, start_recording, stop_recording: ${cameraGap(caps)}`);
    const run = plans.filter((p) => !p.missing);
    if (run.length === 0) return out.skip('none of the methods is offered');
    if (s.kind === 'self' && caps.methods.has('list_recordings')) {
      out.notes.push(`list_recordings was measured with ${RECORDING_FILES} one-byte files named like recordings in the recordings directory`);
    }

    const token = await s.token('admin');
    const addrs = sourceAddresses(s.url, connections);
    ctx.log(`latency: opening ${connections} connections`);
    const o = await ctx.gen.run({ cmd: 'open', group: 'latency', url: s.url, count: connections, token, concurrency: 50, sourceAddresses: addrs, timeoutMs: 10000 });
    if (o.opened < connections) out.notes.push(`only ${o.opened} of ${connections} connections opened: ${JSON.stringify(o.failed)} ${o.errorSamples.join('; ')}`);
    if (o.opened === 0) return out.skip('no connection could be opened');

    // Warm-up (JIT, buffers): a second of every method at the lowest rate, not recorded.
    await ctx.gen.run({ cmd: 'load', group: 'latency', requests: run.map((p) => p.spec), rate: rates[0]!, durationMs: 1000, timeoutMs: 5000 });

    const cpu = s.pid ? cpuMeter(s.pid) : undefined;
    for (let r = 0; r < repeats; r++) {
      for (const rate of rates) {
        for (const p of run) {
          const m = p.spec.method;
          ctx.log(`latency: run ${r + 1}/${repeats} ${m} at ${rate}/s`);
          cpu?.();
          const res = await ctx.gen.run({ cmd: 'load', group: 'latency', requests: [p.spec], rate, durationMs: duration * 1000, timeoutMs: 5000 });
          const cpuPct = cpu?.();
          const id = `latency.${m}.${rate}rps`;
          out.figures.dist(id, `${m} @ ${rate}/s, from schedule`, res.fromSchedule);
          out.figures.dist(`${id}.from_send`, `${m} @ ${rate}/s, from send`, res.fromSend);
          out.figures.value(`${id}.errors`, `${m} @ ${rate}/s, errors + lost`, ((res.errors + res.lost) / res.scheduled) * 100, '%');
          if (cpuPct !== undefined) out.figures.value(`${id}.cpu`, `${m} @ ${rate}/s, service CPU (100 % = 1 core)`, cpuPct, '%');
          out.figures.value(`latency.generator.${rate}rps.send_lag_p99`, `generator send lag p99 @ ${rate}/s (health of the generator)`, res.sendLag.p99, 'ms');
          out.figures.value(`latency.generator.${rate}rps.cpu`, `generator CPU @ ${rate}/s`, res.generatorCpuPct, '%');
          if (res.errors || res.lost) out.notes.push(`run ${r + 1}, ${m} @ ${rate}/s: ${res.errors} error replies ${JSON.stringify(res.errorCodes)}, ${res.lost} lost of ${res.scheduled}`);
          if (res.achievedRate < rate * 0.9) out.notes.push(`run ${r + 1}, ${m} @ ${rate}/s: the generator only reached ${Math.round(res.achievedRate)}/s`);
          await sleep(200);
        }
      }
    }
    const st = await ctx.gen.run({ cmd: 'status', group: 'latency' });
    if (st.dropped) out.notes.push(`${st.dropped} connections were closed by the server during the scenario: ${JSON.stringify(st.closeCodes)}`);
    await ctx.gen.run({ cmd: 'close', group: 'latency' });
  },
};
