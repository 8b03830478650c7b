/**
 * The waits a user feels on the media paths, one at a time at a low rate, each sample from an
 * idle camera (its on-demand stream stopped): a player's first video packet (DESCRIBE → first
 * RTP packet, and PLAY → first packet, by a reader that timestamps packets), the replies of
 * start_streaming (and its first packet), stop_streaming, take_snapshot of a camera that is
 * not streaming (a loop test pattern: its loop's first picture; and a live-encoded test
 * pattern: the stream is started and its first keyframe read, the path of a real camera),
 * start_recording and stop_recording. Percentiles over `--waits-samples` samples (default 50)
 * per figure.
 */
import type { CameraServiceClient } from '../../src/client/index.js';
import { readFirstPacket } from '../lib/rtsp-reader.js';
import { distribution } from '../lib/stats.js';
import { adminClient, until, withCameras } from './cameras.js';
import { sleep, type Scenario } from './types.js';

/** `rtsp://any:<token>@host/path`. */
function withToken(url: string, token: string): string {
  const u = new URL(url);
  u.username = 'any';
  u.password = token;
  return u.href;
}

/** Waits until the camera's publisher is gone (the on-demand stream closed after its last reader). */
async function idle(c: CameraServiceClient, device: string): Promise<void> {
  await until(async () => !(await c.call('get_stream_status', { device })).ffmpeg_process.running, 60_000, `${device} idle`, 50);
}

export const waits: Scenario = {
  name: 'waits',
  title: 'Waits on the media paths (from an idle camera)',
  what:
    'One test-pattern camera, on demand, closed 1 s after its last reader. Per sample, after the publisher has stopped: a player (a minimal RTSP client) ' +
    'times DESCRIBE → first RTP packet of the video track (the whole wait) and PLAY → first packet; start_streaming reply, then its first packet, ' +
    'stop_streaming reply; take_snapshot of the idle camera; start_recording reply, 0.5 s of recording, stop_recording reply. ' +
    'A second camera (add_test_camera, 1280x720 30 fps, encode_live, so its stream does not start from a file): take_snapshot while idle. ' +
    'Budgets of the brief: first frame < 200 ms, FFmpeg start/stop < 200 ms, take_snapshot < 200 ms, start_recording < 100 ms, stop_recording < 50 ms (p95).',
  async run(ctx, out) {
    const setup = await withCameras(ctx, out, 1, { streaming: { reader_close_after_s: 1 } });
    if (!setup) return;
    const { s, caps, cams } = setup;
    const missing = ['add_test_camera', 'get_stream_url', 'get_stream_status', 'start_streaming', 'stop_streaming', 'take_snapshot', 'start_recording', 'stop_recording'].filter((m) => !caps.methods.has(m));
    if (missing.length) return out.skip(`needs ${missing.join(', ')}`);
    const device = cams[0]!;
    const n = ctx.opts.waitsSamples;
    const c = await adminClient(s);
    const series: Record<string, number[]> = {};
    const add = (id: string, ms: number) => (series[id] ??= []).push(ms);
    try {
      // A viewer's token as the RTSP password, as a player presents it (media authentication on).
      const url = withToken((await c.call('get_stream_url', { device })).stream_url, await s.token('viewer'));
      const live = (await c.call('add_test_camera', { name: 'waits_live', width: 1280, height: 720, fps: 30, encode_live: true })).device;
      // Warm-up, not recorded: the first start encodes the test pattern's loop once.
      await readFirstPacket(url, 120_000);
      for (let i = 0; i < n; i++) {
        await idle(c, device);
        const p = await readFirstPacket(url, 30_000);
        add('play.total', p.totalMs);
        add('play.describe', p.describeMs);
        add('play.play_to_packet', p.playToPacketMs);

        await idle(c, device);
        let t = performance.now();
        await c.call('start_streaming', { device });
        add('start_streaming.reply', performance.now() - t);
        await readFirstPacket(url, 30_000);
        add('start_streaming.first_packet', performance.now() - t);
        t = performance.now();
        await c.call('stop_streaming', { device });
        add('stop_streaming.reply', performance.now() - t);

        await idle(c, device);
        t = performance.now();
        await c.call('take_snapshot', { device });
        add('take_snapshot.idle', performance.now() - t);

        await idle(c, live);
        t = performance.now();
        await c.call('take_snapshot', { device: live });
        add('take_snapshot.idle_live', performance.now() - t);

        await idle(c, device);
        t = performance.now();
        await c.call('start_recording', { device });
        add('start_recording.reply', performance.now() - t);
        await sleep(500);
        t = performance.now();
        await c.call('stop_recording', { device });
        add('stop_recording.reply', performance.now() - t);
        if ((i + 1) % 10 === 0) ctx.log(`waits: ${i + 1}/${n} samples`);
      }
    } finally {
      await c.close();
    }
    const labels: Record<string, string> = {
      'play.total': 'player on an idle camera: DESCRIBE → first video packet (whole wait; budget < 200 ms)',
      'play.describe': 'player on an idle camera: DESCRIBE → answer (the publisher starts in between)',
      'play.play_to_packet': 'player: PLAY → first video packet',
      'start_streaming.reply': 'start_streaming reply on an idle camera (FFmpeg start; budget < 200 ms)',
      'start_streaming.first_packet': 'start_streaming request → first video packet at a player',
      'stop_streaming.reply': 'stop_streaming reply (FFmpeg stop; budget < 200 ms)',
      'take_snapshot.idle': 'take_snapshot of a camera that is not streaming (budget < 200 ms)',
      'take_snapshot.idle_live': 'take_snapshot of a live-encoded camera that is not streaming (stream started, first keyframe read)',
      'start_recording.reply': 'start_recording reply on an idle camera (budget < 100 ms)',
      'stop_recording.reply': 'stop_recording reply (budget < 50 ms)',
    };
    for (const [id, label] of Object.entries(labels)) if (series[id]) out.figures.dist(`waits.${id}`, label, distribution(series[id]!));
  },
};
