/**
 * Scenarios that need cameras: stubs until test-pattern cameras and streaming land
 * (issue 4). Each says what it will measure and why it is skipped on this server, so a
 * run shows at a glance which budgets are not covered yet. Fill them in here.
 */
import type { Caps } from '../lib/capabilities.js';
import type { Scenario } from './types.js';

/** Why camera scenarios cannot run on a server with these capabilities. */
export function cameraGap(caps: Caps): string {
  const streaming = caps.methods.has('start_streaming');
  if (caps.testPatternConfig.length === 0 && caps.cameras.length === 0) {
    return `not available yet: this build has no test-pattern camera configuration and the server lists no camera (needs issue 4)${streaming ? '' : '; start_streaming is not offered either'}`;
  }
  if (!streaming) return 'not available yet: the server does not offer start_streaming (issue 4)';
  const where = caps.testPatternConfig.length ? `configurable at ${caps.testPatternConfig.join(', ')}` : `${caps.cameras.length} camera(s) listed`;
  return `cameras are available (${where}) but this scenario is still a stub: write its setup in bench/scenarios/cameras.ts`;
}

function stub(name: string, title: string, what: string): Scenario {
  return {
    name,
    title,
    what,
    async run(ctx, out) {
      const s = await ctx.current();
      out.skip(cameraGap(await ctx.caps(s)));
    },
  };
}

export const controlPath = stub(
  'control-path',
  'Control path (stub)',
  'Camera appears (registry event) → MediaMTX path ready; start_streaming → FFmpeg started → first frame readable over RTSP; ' +
    'MediaMTX SIGKILL → every path restored; FFmpeg SIGKILL → stream readable again. Budgets: path ready < 50 ms, start_streaming reply < 100 ms, ' +
    'paths restored < 5 s, readable < 3 s.',
);

export const cameraScale = stub(
  'camera-scale',
  'Camera scale and CPU (stub)',
  'Service-process CPU (/proc/<pid>/stat, FFmpeg children measured apart) idle, with 5 cameras, 10 cameras + 500 clients, 16 cameras + 1000 clients, ' +
    'and 16 test-pattern cameras added and removed in cycles (path ready and notification latency per cycle); memory with 10 cameras and 100 clients. ' +
    'Budgets: idle < 2 %, 10 cameras + 500 clients < 25 %, 16 cameras + 1000 clients < 50 % (of 200 %); ≤ 60 MB with 10 cameras and 100 clients.',
);

export const mediaLatency = stub(
  'media-latency',
  'Media method latency (stub)',
  'take_snapshot while streaming (p95 < 50 ms), start_recording / stop_recording latency at a low open-loop rate over a test-pattern camera.',
);
