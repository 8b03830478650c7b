#!/usr/bin/env node
/**
 * `npm run soak` (default 10 minutes, --minutes N): persistent subscribed clients under a
 * steady mixed request load, connection churn (connect, authenticate, subscribe, call,
 * unsubscribe, close), streams started and stopped on test-pattern cameras where the
 * server has them, and test-pattern cameras added and removed at run time
 * (add/remove_test_camera). Reports RSS growth after warm-up, the RSS trend, and open file
 * descriptors and child processes before vs after. See docs/performance.md.
 */
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CameraServiceClient } from '../src/client/index.js';
import { detect, type Caps } from './lib/capabilities.js';
import { Generator } from './lib/generator-handle.js';
import { parseSoakArgs, SOAK_USAGE, type SoakOptions } from './lib/options.js';
import { added, descendants, fdTargets, fileLimit, openFds, rssMb } from './lib/procfs.js';
import type { LoadResult, ChurnResult } from './lib/protocol.js';
import { log } from './lib/log.js';
import { Figures, gitState, machine, markdown, writeResults, type ResultsDoc, type ScenarioReport } from './lib/results.js';
import { distribution, round, spread } from './lib/stats.js';
import { isLoopback, sourceAddresses, startSelf, targetSubject, testCameraConfig, type Subject } from './lib/subject.js';
import { sleep } from './scenarios/types.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TOPICS = ['camera.status_change', 'stream.started', 'stream.stopped'];
/** Test-pattern cameras added and removed every chunk (fixed names: the same ids each time). */
const CHURN_CAMERAS = ['soak_churn0', 'soak_churn1'];
const MIXED = [
  { method: 'ping' },
  { method: 'get_camera_list' },
  { method: 'get_system_status' },
  { method: 'get_server_info' },
  { method: 'get_subscription_stats' },
];

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

async function soak(opts: SoakOptions, subject: Subject, gen: Generator, report: ScenarioReport, figures: Figures, caps: Caps): Promise<void> {
  const pid = subject.pid;
  const notes = report.notes;
  const methods = MIXED.filter((m) => caps.methods.has(m.method));
  const topics = caps.methods.has('subscribe_events') ? TOPICS : [];
  if (!topics.length) notes.push('subscriptions: not offered by this server, so clients do not subscribe');
  const cams = caps.methods.has('start_streaming') ? caps.cameras.filter((c) => c.status === 'CONNECTED').map((c) => c.device) : [];
  notes.push(cams.length ? `streams: start_streaming/stop_streaming cycled on ${cams.join(', ')} every chunk` : 'streams: no camera with start_streaming on this server, not cycled');
  notes.push(caps.methods.has('start_recording') ? 'recordings: not cycled yet (write it in bench/soak.ts)' : 'recordings: not available yet (start_recording is not offered)');
  const churnCams = caps.methods.has('add_test_camera') && caps.methods.has('remove_test_camera') ? CHURN_CAMERAS : [];
  notes.push(
    churnCams.length
      ? `test-pattern cameras: ${churnCams.join(', ')} added at the start of every chunk (the first also streamed with start_streaming) and removed at its end`
      : 'test-pattern cameras: not added and removed (the server has no add_test_camera)',
  );

  const snapshot = () => ({
    rss: pid ? rssMb(pid) : Number.NaN,
    fds: pid ? openFds(pid) : Number.NaN,
    fdList: pid ? fdTargets(pid) : [],
    children: pid ? descendants(pid) : [],
  });
  await sleep(2000);
  const before = snapshot();

  const admin = await subject.token('admin');
  const viewer = await subject.token('viewer');
  const control = await CameraServiceClient.connect(subject.url);
  await control.authenticate(admin);
  const o = await gen.run({ cmd: 'open', group: 'soak', url: subject.url, count: opts.clients, token: viewer, subscribe: topics, concurrency: 50, sourceAddresses: sourceAddresses(subject.url, opts.clients), timeoutMs: 10000 });
  if (o.opened < opts.clients) notes.push(`only ${o.opened} of ${opts.clients} persistent clients connected: ${JSON.stringify(o.failed)}`);

  const total = opts.seconds * 1000;
  const chunkMs = Math.min(30_000, Math.max(1000, total / 10));
  const chunks = Math.max(2, Math.round(total / chunkMs));
  const warmupChunks = Math.max(1, Math.round(chunks * 0.2));
  const sampleEvery = Math.max(250, Math.min(5000, chunkMs / 6));
  const samples: { t: number; rss: number; chunk: number }[] = [];
  const t0 = performance.now();
  const churnAddrs = sourceAddresses(subject.url, 10_000);
  let streamErrors = 0;
  let cameraErrors = 0;
  for (let c = 0; c < chunks; c++) {
    log(`soak: chunk ${c + 1}/${chunks}${c < warmupChunks ? ' (warm-up)' : ''}`);
    for (const d of cams) await control.call('start_streaming', { device: d }).catch(() => streamErrors++);
    for (const [i, name] of churnCams.entries()) {
      try {
        const { device } = await control.call('add_test_camera', { name, width: 320, height: 240, fps: 15 });
        if (i === 0 && cams.length) await control.call('start_streaming', { device });
      } catch {
        cameraErrors++;
      }
    }
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        if (pid) samples.push({ t: (performance.now() - t0) / 1000, rss: rssMb(pid), chunk: c });
        await sleep(sampleEvery);
      }
    })();
    const [load, churn] = (await Promise.all([
      methods.length ? gen.run({ cmd: 'load', group: 'soak', requests: methods, rate: opts.rate, durationMs: chunkMs, timeoutMs: 5000 }) : undefined,
      gen.run({ cmd: 'churn', url: subject.url, token: viewer, rate: opts.churn, durationMs: chunkMs, maxInFlight: 50, topics, sourceAddresses: churnAddrs, timeoutMs: 10000 }),
    ])) as [LoadResult | undefined, ChurnResult];
    sampling = false;
    await sampler;
    for (const d of cams) await control.call('stop_streaming', { device: d }).catch(() => streamErrors++);
    // Removed while one of them streams: its publisher is stopped by the removal itself.
    for (const name of churnCams) await control.call('remove_test_camera', { name }).catch(() => cameraErrors++);
    if (c < warmupChunks) continue;
    if (load) {
      figures.dist('soak.latency', `mixed requests @ ${opts.rate}/s, from schedule (one run per chunk)`, load.fromSchedule);
      figures.value('soak.errors', 'errors + lost per chunk', ((load.errors + load.lost) / load.scheduled) * 100, '%');
    }
    const failed = Object.values(churn.failed).reduce((a, b) => a + b, 0);
    figures.value('soak.churn_completed', `churn sessions completed per chunk (${opts.churn}/s asked)`, churn.completed, 'count', 'higher');
    figures.value('soak.churn_failed', 'churn sessions failed per chunk', failed, 'count');
    if (failed) notes.push(`chunk ${c + 1}: churn failures ${JSON.stringify(churn.failed)}: ${churn.errorSamples.join('; ')}`);
    figures.dist('soak.churn_session', 'churn session (connect → close), one run per chunk', churn.sessionMs);
  }
  const st = await gen.run({ cmd: 'status', group: 'soak' });
  figures.value('soak.dropped', 'persistent clients dropped by the server', st.dropped, 'count');
  await gen.run({ cmd: 'close', group: 'soak' });
  await control.close();
  if (streamErrors) notes.push(`${streamErrors} start/stop_streaming calls failed`);
  if (churnCams.length) figures.value('soak.camera_churn_errors', 'add/remove_test_camera (and start_streaming of an added camera) calls failed, whole run', cameraErrors, 'count');

  // Keep-alive sockets to MediaMTX's API belong to a bounded pool (they come and go with use): not growth.
  const api = subject.mediamtxApiUrl ? new URL(subject.mediamtxApiUrl).port : undefined;
  const pooled = (fds: string[]) => fds.filter((f) => api !== undefined && f.startsWith('tcp ') && f.endsWith(`:${api}`)).length;
  const ownFds = (s: typeof before) => s.fds - pooled(s.fdList);
  // Give stopped publishers and closed sockets time to go (the same measure as the figures), then compare with the start.
  let after = snapshot();
  for (let i = 0; i < 20 && (after.children.length > before.children.length || ownFds(after) > ownFds(before)); i++) {
    await sleep(500);
    after = snapshot();
  }
  if (pid) {
    const warm = samples.filter((s) => s.chunk >= warmupChunks);
    const baseline = spread(warm.filter((s) => s.chunk === warmupChunks).map((s) => s.rss)).median;
    const final = spread(warm.filter((s) => s.chunk === chunks - 1).map((s) => s.rss)).median;
    figures.value('soak.rss_before', 'service RSS before any client', before.rss, 'MB');
    figures.value('soak.rss_baseline', 'service RSS right after warm-up (median of the first chunk after it)', baseline, 'MB');
    figures.value('soak.rss_final', 'service RSS at the end (median of the last chunk)', final, 'MB');
    figures.value('soak.rss_growth', 'RSS growth after warm-up', ((final - baseline) / baseline) * 100, '%');
    figures.value('soak.rss_slope', 'RSS trend after warm-up (least squares)', slope(warm.map((s) => s.t), warm.map((s) => s.rss)) * 3600, 'MB/h');
    figures.dist('soak.rss', 'service RSS samples after warm-up', distribution(warm.map((s) => s.rss)), 'MB');
    figures.value('soak.fds_before', 'open fds before', before.fds, 'count');
    figures.value('soak.fds_after', 'open fds after (clients gone)', after.fds, 'count');
    figures.value('soak.fds_raw_growth', 'open fds after − before (raw)', after.fds - before.fds, 'count');
    figures.value('soak.fd_growth', 'open fds after − before, not counting pooled keep-alive sockets to the MediaMTX API', ownFds(after) - ownFds(before), 'count');
    figures.value('soak.children_before', 'child processes before', before.children.length, 'count');
    figures.value('soak.children_after', 'child processes after', after.children.length, 'count');
    figures.value('soak.children_growth', 'child processes after − before', after.children.length - before.children.length, 'count');
    notes.push(`children before: ${before.children.map((p) => p.comm).join(', ') || 'none'}; after: ${after.children.map((p) => p.comm).join(', ') || 'none'}`);
    const newFds = added(before.fdList, after.fdList);
    const label = (f: string) => (api !== undefined && f.endsWith(`:${api}`) ? `${f} (MediaMTX API)` : f);
    if (newFds.length) notes.push(`fds open after but not before: ${newFds.map(label).join('; ')}`);
    notes.push(`${samples.length} RSS samples every ${round(sampleEvery / 1000)} s; warm-up = the first ${warmupChunks} of ${chunks} chunks of ${round(chunkMs / 1000)} s`);
  } else notes.push('the target process cannot be observed (pass --target-pid PID): no RSS, fd or child figures');
}

async function main(): Promise<number> {
  let opts: SoakOptions;
  try {
    opts = parseSoakArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${SOAK_USAGE}\n`);
    return 2;
  }
  if (opts.target && !isLoopback(opts.target)) {
    process.stderr.write('--target must be a loopback address: load is never sent off this machine\n');
    return 2;
  }
  const doc: ResultsDoc = {
    schema: 1,
    kind: 'soak',
    startedAt: new Date().toISOString(),
    ...gitState(ROOT),
    machine: machine(fileLimit()),
    options: { ...opts, token: opts.token ? '(given)' : undefined },
    subjects: [],
  };
  const gen = new Generator();
  const subject = opts.target ? targetSubject(opts.target, opts.token!, opts.targetPid) : await startSelf({ overrides: testCameraConfig(2, 'soak') ?? {} });
  const cleanup = async () => {
    await subject.stop().catch(() => undefined);
    await gen.stop();
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void cleanup().finally(() => process.exit(130)));
  const report: ScenarioReport = {
    name: 'soak',
    title: `Soak (${round(opts.seconds / 60)} min)`,
    what:
      `${opts.clients} persistent authenticated clients subscribed to ${TOPICS.join(', ')}; ${opts.rate} req/s of mixed read methods over them (open loop); ` +
      `${opts.churn} sessions/s of churn (connect, authenticate, subscribe, get_camera_list, unsubscribe, close); streams started and stopped on ` +
      'test-pattern cameras each chunk; two test-pattern cameras added (add_test_camera, one of them streamed) and removed each chunk. The run is cut in chunks; each chunk after the warm-up (first 20 %) is one run of every figure. ' +
      'RSS growth compares the median RSS of the first chunk after warm-up with the last; fds and child processes are read before any client and after all are gone.',
    status: 'ran',
    notes: [],
    figures: [],
    seconds: 0,
  };
  const figures = new Figures();
  const started = performance.now();
  let caps: Caps | undefined;
  try {
    caps = await detect(subject);
    await soak(opts, subject, gen, report, figures, caps);
  } catch (err) {
    report.status = 'failed';
    report.reason = (err as Error).stack ?? String(err);
    log(`soak failed: ${report.reason}`);
  } finally {
    await cleanup();
  }
  report.figures = figures.list;
  report.seconds = round((performance.now() - started) / 1000);
  doc.subjects.push({ name: subject.name, kind: subject.kind, url: subject.kind === 'self' ? 'this service on free loopback ports' : subject.url, methods: [...(caps?.methods ?? [])].sort(), methodSource: caps?.methodSource ?? '', capabilities: caps?.capabilities ?? [], scenarios: [report] });
  doc.finishedAt = new Date().toISOString();
  doc.machine.loadAvgAfter = loadavg().map(round);
  const md = markdown(doc);
  const files = writeResults(resolve(opts.out), doc, md);
  process.stdout.write(md);
  log(`results: ${files.json} and ${files.md}`);
  return report.status === 'failed' ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`${err.stack ?? err}\n`);
    process.exit(1);
  },
);
