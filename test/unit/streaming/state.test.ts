import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffPolicy } from '../../../src/lib/backoff.js';
import { initialModel, step, SUPERVISOR_STATES, type StepContext, type SupervisorAction, type SupervisorInput, type SupervisorModel } from '../../../src/streaming/ffmpeg/state.js';

const ctx: StepContext = { policy: backoffPolicy(), random: () => 0.5, maxRestarts: Number.POSITIVE_INFINITY };
const crash = (ranMs = 100, permanent = false): SupervisorInput => ({ type: 'exited', ranMs, summary: 'exit code 1: the device is busy', permanent });

/** Runs inputs from the initial model; returns the final model and every action in order. */
function run(inputs: SupervisorInput[], c: StepContext = ctx): { model: SupervisorModel; actions: SupervisorAction[]; states: string[] } {
  let model = initialModel();
  const actions: SupervisorAction[] = [];
  const states: string[] = [model.state];
  for (const input of inputs) {
    const r = step(model, input, c);
    model = r.model;
    actions.push(...r.actions);
    if (states.at(-1) !== model.state) states.push(model.state);
  }
  return { model, actions, states };
}
const types = (a: SupervisorAction[]) => a.map((x) => x.type);

describe('supervisor state machine', () => {
  it('start spawns; the first frame makes it running and announces it', () => {
    const r = run([{ type: 'start' }, { type: 'first_frame' }]);
    assert.deepEqual(r.states, ['idle', 'starting', 'running']);
    assert.deepEqual(types(r.actions), ['spawn', 'started']);
    assert.equal(r.model.reason, 'first frame written');
  });

  it('a crash backs off with the policy delay, then the timer restarts and counts it', () => {
    const r = run([{ type: 'start' }, { type: 'first_frame' }, crash()]);
    assert.equal(r.model.state, 'backoff');
    assert.deepEqual(r.actions.at(-1), { type: 'schedule_restart', delayMs: 250 });
    assert.equal(r.model.reason, 'exit code 1: the device is busy; restarting in 0.25 s');
    const after = step(r.model, { type: 'timer' }, ctx);
    assert.equal(after.model.state, 'starting');
    assert.equal(after.model.restarts, 1);
    assert.deepEqual(types(after.actions), ['spawn']);
  });

  it('consecutive crashes back off exponentially; a stable run resets the delay', () => {
    const inputs: SupervisorInput[] = [{ type: 'start' }];
    for (let i = 0; i < 4; i++) inputs.push(crash(), { type: 'timer' });
    const r = run(inputs);
    const delays = r.actions.filter((a) => a.type === 'schedule_restart').map((a) => (a as { delayMs: number }).delayMs);
    assert.deepEqual(delays, [250, 500, 1000, 2000]);
    const stable = step(r.model, crash(60_000), ctx);
    assert.deepEqual(stable.actions, [{ type: 'schedule_restart', delayMs: 250 }]);
    assert.equal(r.model.restarts, 4);
  });

  it('a crash before the first frame says it failed to start', () => {
    const r = run([{ type: 'start' }, crash()]);
    assert.match(r.model.reason, /^failed to start: exit code 1/);
  });

  it('a permanent error fails without restarting', () => {
    const r = run([{ type: 'start' }, { type: 'exited', ranMs: 5, summary: 'exit code 1: FFmpeg rejected an option', permanent: true }]);
    assert.equal(r.model.state, 'failed');
    assert.ok(!r.actions.some((a) => a.type === 'schedule_restart'));
    assert.match(r.model.reason, /restarting cannot fix this/);
  });

  it('gives up after maxRestarts consecutive restarts', () => {
    const c = { ...ctx, maxRestarts: 2 };
    const r = run([{ type: 'start' }, crash(), { type: 'timer' }, crash(), { type: 'timer' }, crash()], c);
    assert.equal(r.model.state, 'failed');
    assert.equal(r.model.restarts, 2);
    assert.match(r.model.reason, /gave up after 2 restarts/);
  });

  it('a stall kills the process and only schedules the restart after it has exited', () => {
    const stalled = run([{ type: 'start' }, { type: 'first_frame' }, { type: 'stalled', detail: 'frame count stayed at 40 for 5 s' }]);
    assert.equal(stalled.model.state, 'backoff');
    assert.deepEqual(stalled.actions.at(-1), { type: 'kill' });
    assert.equal(stalled.model.childAlive, true);
    // The timer cannot fire yet (none was scheduled); even a stray one must not spawn.
    assert.deepEqual(step(stalled.model, { type: 'timer' }, ctx).actions, []);
    const exited = step(stalled.model, { type: 'exited', ranMs: 9000, summary: 'killed by SIGTERM', permanent: false }, ctx);
    assert.deepEqual(types(exited.actions), ['schedule_restart']);
    assert.match(exited.model.reason, /^stalled: frame count stayed at 40 for 5 s; restarting in/);
  });

  it('stop kills a running process and ends in stopped once it has exited', () => {
    const r = run([{ type: 'start' }, { type: 'first_frame' }, { type: 'stop' }]);
    assert.equal(r.model.state, 'stopping');
    assert.deepEqual(r.actions.at(-1), { type: 'kill' });
    const done = step(r.model, { type: 'exited', ranMs: 1000, summary: 'exit code 255', permanent: false }, ctx);
    assert.equal(done.model.state, 'stopped');
    assert.deepEqual(done.actions, []);
  });

  it('stop during backoff cancels the restart', () => {
    const r = run([{ type: 'start' }, crash(), { type: 'stop' }]);
    assert.equal(r.model.state, 'stopped');
    assert.deepEqual(r.actions.at(-1), { type: 'cancel_restart' });
    assert.deepEqual(step(r.model, { type: 'timer' }, ctx).actions, []);
  });

  it('stop while a stalled process is still exiting waits for it', () => {
    const r = run([{ type: 'start' }, { type: 'stalled', detail: 'x' }, { type: 'stop' }]);
    assert.equal(r.model.state, 'stopping');
    assert.deepEqual(types(r.actions).slice(-2), ['cancel_restart', 'kill']);
  });

  it('start while stopping spawns only after the old process has exited', () => {
    const r = run([{ type: 'start' }, { type: 'stop' }, { type: 'start' }]);
    assert.equal(r.model.state, 'stopping');
    assert.deepEqual(types(r.actions), ['spawn', 'kill']);
    const after = step(r.model, { type: 'exited', ranMs: 10, summary: 'exit code 255', permanent: false }, ctx);
    assert.equal(after.model.state, 'starting');
    assert.deepEqual(types(after.actions), ['spawn']);
  });

  it('start is idempotent while active; stop from idle just stops', () => {
    const r = run([{ type: 'start' }, { type: 'start' }, { type: 'first_frame' }, { type: 'start' }]);
    assert.deepEqual(types(r.actions), ['spawn', 'started']);
    assert.equal(run([{ type: 'stop' }]).model.state, 'stopped');
    assert.equal(run([{ type: 'start' }, { type: 'exited', ranMs: 1, summary: 'x', permanent: true }, { type: 'start' }]).model.state, 'starting');
  });

  it('never has two processes alive, whatever happens (10,000 random steps)', () => {
    // A deterministic pseudo-random walk over the inputs; exits only arrive for a live process,
    // as in reality. The simulated process count must never exceed one.
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const c: StepContext = { ...ctx, random: rand, maxRestarts: 50 };
    const inputs: SupervisorInput['type'][] = ['start', 'stop', 'first_frame', 'exited', 'stalled', 'timer'];
    let model = initialModel();
    let alive = 0;
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const kind = inputs[Math.floor(rand() * inputs.length)]!;
      if (kind === 'exited' && alive === 0) continue;
      const input: SupervisorInput =
        kind === 'exited' ? { type: 'exited', ranMs: Math.floor(rand() * 120_000), summary: 'x', permanent: rand() < 0.02 }
        : kind === 'stalled' ? { type: 'stalled', detail: 'x' }
        : ({ type: kind } as SupervisorInput);
      if (kind === 'exited') alive--;
      const r = step(model, input, c);
      for (const a of r.actions) if (a.type === 'spawn') alive++;
      assert.ok(alive <= 1, `two processes after ${i} steps`);
      assert.equal(r.model.childAlive, alive === 1, `model and reality agree after ${i} steps`);
      model = r.model;
      seen.add(model.state);
    }
    assert.deepEqual([...seen].sort(), [...SUPERVISOR_STATES].sort(), 'the walk visits every state');
  });
});
