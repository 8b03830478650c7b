/**
 * The FFmpeg supervisor with real processes: the shipped test-pattern pipeline (publishing to
 * FFmpeg's null muxer instead of RTSP, so no server is needed), crashes, stalls, stubborn
 * processes and bad commands. The process table is sampled throughout: never two processes of
 * one supervisor, none after dispose.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { FfmpegSupervisor, type ProcessExit, type StateChange, type SupervisorOptions } from '../../../src/streaming/ffmpeg/supervisor.js';
import type { FfmpegProgress } from '../../../src/streaming/ffmpeg/progress.js';
import { loadTemplatesSync } from '../../../src/streaming/templates/catalog.js';
import { planPublish } from '../../../src/streaming/templates/select.js';
import { killMarked, marker, nextEvent, ProcessSampler, processesWithMark } from '../../helpers/ffmpeg.js';

const catalog = loadTemplatesSync();

/** The shipped testsrc-x264 pipeline with its RTSP output swapped for the null muxer. */
function testPatternToNull(): string[] {
  const { argv } = planPublish({ kind: 'test-pattern', width: 160, height: 120, fps: 10 }, catalog, { publishUrl: 'rtsp://127.0.0.1:1/unused' });
  const i = argv.lastIndexOf('-f');
  assert.deepEqual(argv.slice(i, i + 4), ['-f', 'rtsp', '-rtsp_transport', 'tcp']);
  return [...argv.slice(0, i), '-f', 'null', '-'];
}

/** A supervisor whose processes carry a marker; sampled and disposed (with a final check) by t.after. */
function supervised(t: TestContext, opts: Omit<SupervisorOptions, 'env'>) {
  const mark = marker();
  const sup = new FfmpegSupervisor({ ...opts, env: mark.env });
  const sampler = new ProcessSampler(mark.id);
  const states: StateChange[] = [];
  const exits: ProcessExit[] = [];
  const spawns: number[] = [];
  sup.on('state', (s) => states.push(s));
  sup.on('exit', (e) => exits.push(e));
  sup.on('spawn', () => {
    spawns.push(Date.now());
    sampler.sample();
  });
  t.after(async () => {
    sampler.stop();
    await sup.dispose();
    // Kill leftovers first so a failing test cannot leak processes, then report them.
    assert.deepEqual(killMarked(mark.id), [], 'no process left after dispose');
  });
  return { sup, sampler, states, exits, spawns, mark };
}

describe('FfmpegSupervisor with real processes', () => {
  it('runs the test pattern: started after the first frame, progress with fps > 0, one process, none after dispose', async (t) => {
    const { sup, sampler, states, mark } = supervised(t, { argv: testPatternToNull() });
    const started = nextEvent(sup, 'started');
    sup.start();
    const [info] = await started;
    assert.equal(info.pid, sup.pid);
    assert.ok(info.afterMs >= 0);
    const [progress] = await nextEvent(sup, 'progress', (p: FfmpegProgress) => p.fps > 0);
    assert.ok(progress.frame > 0);

    const status = sup.status();
    assert.equal(status.state, 'running');
    assert.equal(status.running, true);
    assert.ok(status.pid !== null && status.firstFrameAt !== null);
    assert.equal(status.argv[0], 'ffmpeg');
    assert.deepEqual(processesWithMark(mark.id), [status.pid]);

    await sup.dispose();
    assert.deepEqual(processesWithMark(mark.id), []);
    assert.deepEqual(states.map((s) => s.state), ['starting', 'running', 'stopping', 'stopped']);
    const last = sup.status().lastExit!;
    assert.equal(last.requested, true);
    assert.equal(last.code, 255, 'FFmpeg ends on SIGTERM with exit code 255');
    assert.equal(last.signal, null);
    assert.equal(sampler.max, 1);
  });

  it('restarts FFmpeg after kill -9, counts the restart, and never runs two at once', async (t) => {
    const { sup, sampler, states, exits, spawns } = supervised(t, { argv: testPatternToNull(), backoff: { baseMs: 100 }, random: () => 0.5 });
    const first = nextEvent(sup, 'started');
    sup.start();
    await first;
    const pid1 = sup.pid!;
    const exited = nextEvent(sup, 'exit');
    const restarted = nextEvent(sup, 'started');
    process.kill(pid1, 'SIGKILL');
    const [exit] = (await exited) as [ProcessExit];
    assert.equal(exit.signal, 'SIGKILL');
    assert.equal(exit.requested, false);
    await restarted;

    const status = sup.status();
    assert.equal(status.state, 'running');
    assert.equal(status.restarts, 1);
    assert.notEqual(status.pid, pid1);
    assert.deepEqual(status.lastExit, exits[0]);
    const backoff = states.find((s) => s.state === 'backoff')!;
    assert.equal(backoff.reason, 'killed by SIGKILL; restarting in 0.10 s');
    assert.ok(spawns.length === 2 && spawns[1]! >= exit.at, 'the second process was spawned after the first had exited');
    assert.ok(sampler.samples > 10, `${sampler.samples} samples`);
    assert.equal(sampler.max, 1);
  });

  it('SIGKILLs a process that ignores SIGTERM once the grace period is over', async (t) => {
    const script = "process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('ready'); setInterval(() => {}, 1000);";
    const { sup, mark } = supervised(t, { argv: [process.execPath, '-e', script], graceMs: 300, stallCheckMs: 0 });
    const ready = nextEvent(sup, 'line', (_s: string, line: string) => line === 'ready');
    sup.start();
    await ready;
    const ignored = nextEvent(sup, 'line', (_s: string, line: string) => line === 'ignoring SIGTERM');
    const t0 = Date.now();
    await sup.stop();
    await ignored;
    const exit = sup.status().lastExit!;
    assert.equal(exit.signal, 'SIGKILL');
    assert.equal(exit.requested, true);
    assert.ok(Date.now() - t0 >= 300, 'SIGKILL only after the grace period');
    assert.equal(sup.state, 'stopped');
    assert.deepEqual(processesWithMark(mark.id), []);
  });

  it('restarts a process whose frame count stops growing (stall watchdog)', async (t) => {
    // Reports one frame, then hangs without exiting: the case only a watchdog catches.
    const script = "process.stdout.write('frame=1\\nfps=0.00\\nprogress=continue\\n'); setInterval(() => {}, 1000);";
    const { sup, sampler } = supervised(t, { argv: [process.execPath, '-e', script], stallCheckMs: 300, startTimeoutMs: 10_000, graceMs: 500, backoff: { baseMs: 50 } });
    const started = nextEvent(sup, 'started');
    sup.start();
    await started;
    const [stall] = (await nextEvent(sup, 'state', (s: StateChange) => s.state === 'backoff')) as [StateChange];
    assert.match(stall.reason, /^stalled: frame count stayed at 1 for 0.3 s/);
    await nextEvent(sup, 'started');
    assert.equal(sup.status().restarts, 1);
    assert.equal(sup.status().lastExit?.requested, true, 'the stalled process was stopped by the supervisor');
    assert.equal(sampler.max, 1);
  });

  it('a process that never writes a frame is restarted after the start timeout', async (t) => {
    const { sup } = supervised(t, { argv: [process.execPath, '-e', 'setInterval(() => {}, 1000)'], stallCheckMs: 100, startTimeoutMs: 300, backoff: { baseMs: 5000 }, random: () => 0.5 });
    const exited = nextEvent(sup, 'exit');
    sup.start();
    const [stall] = (await nextEvent(sup, 'state', (s: StateChange) => s.state === 'backoff')) as [StateChange];
    assert.equal(stall.reason, 'stalled: no frame within 0.3 s of starting');
    assert.equal(sup.status().running, true, 'the restart waits until the stalled process has exited');
    const [exit] = (await exited) as [ProcessExit];
    assert.equal(exit.requested, true);
    assert.equal(sup.status().running, false);
    assert.match(sup.status().reason, /^stalled: no frame within 0.3 s of starting; restarting in 5.00 s$/);
  });

  it('an injected probe (e.g. MediaMTX inbound bytes) drives the watchdog', async (t) => {
    let probes = 0;
    const { sup } = supervised(t, {
      argv: testPatternToNull(),
      stallCheckMs: 400,
      probe: () => {
        probes++;
        return 7;
      },
      backoff: { baseMs: 5000 },
    });
    sup.start();
    const [stall] = (await nextEvent(sup, 'state', (s: StateChange) => s.state === 'backoff')) as [StateChange];
    assert.match(stall.reason, /^stalled: probe stayed at 7 for 0.4 s/);
    assert.ok(probes >= 2);
    await sup.stop();
    assert.equal(sup.state, 'stopped');
  });

  it('a crash loop backs off, classifies the error, and gives up after maxRestarts', async (t) => {
    const { sup, sampler, states } = supervised(t, { argv: ['ffmpeg', '-hide_banner', '-nostdin', '-i', '/nonexistent/clip.mp4', '-f', 'null', '-'], maxRestarts: 2, backoff: { baseMs: 20 } });
    const failed = nextEvent(sup, 'state', (s: StateChange) => s.state === 'failed');
    sup.start();
    const [change] = (await failed) as [StateChange];
    assert.equal(change.reason, 'failed to start: exit code 1: no such file or device node; gave up after 2 restarts');
    const status = sup.status();
    assert.equal(status.restarts, 2);
    assert.equal(status.lastExit?.error?.code, 'no_such_file');
    assert.equal(status.lastExit?.error?.line, '/nonexistent/clip.mp4: No such file or directory');
    assert.deepEqual(status.stderr.slice(-1), ['/nonexistent/clip.mp4: No such file or directory']);
    assert.deepEqual(states.map((s) => s.state), ['starting', 'backoff', 'starting', 'backoff', 'starting', 'failed']);
    assert.equal(sampler.max, 1);
  });

  it('does not restart a pipeline FFmpeg rejects', async (t) => {
    const { sup } = supervised(t, { argv: ['ffmpeg', '-hide_banner', '-nostdin', '-f', 'lavfi', '-i', 'testsrc2', '-bogus', '1', '-f', 'null', '-'] });
    const failed = nextEvent(sup, 'state', (s: StateChange) => s.state === 'failed');
    sup.start();
    const [change] = (await failed) as [StateChange];
    assert.match(change.reason, /^failed to start: exit code 1: FFmpeg rejected an option of the pipeline \(restarting cannot fix this\)$/);
    assert.equal(sup.status().restarts, 0);
  });

  it('reports a missing binary as failed', async (t) => {
    const { sup } = supervised(t, { argv: ['/nonexistent/ffmpeg', '-version'] });
    const failed = nextEvent(sup, 'state', (s: StateChange) => s.state === 'failed');
    sup.start();
    const [change] = (await failed) as [StateChange];
    assert.match(change.reason, /could not start \/nonexistent\/ffmpeg: spawn \/nonexistent\/ffmpeg ENOENT/);
    assert.equal(sup.status().running, false);
  });
});
