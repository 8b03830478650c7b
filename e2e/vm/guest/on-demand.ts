// Guest side, shared by VM scenarios: how long a reader waits for an idle camera's on-demand
// stream, beside the floor of the device's own first frame, in the same run on the same device.
// Each sample starts from an idle camera (its publisher gone, no process holding the node).
// `onDemandTable` (pure) formats the figures for the host-side test.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { readFirstPacket } from '../../../bench/lib/rtsp-reader.js';
import { distribution } from '../../../bench/lib/stats.js';
import type { CameraServiceClient } from '../../../src/client/index.js';
import { processesMatching, until, type RunningService } from '../../../test/helpers/service.js';
import { run, videoNodeHolders } from './exec.js';

export interface OnDemandFigures {
  /** Which camera: e.g. "vivid (raw → x264)". */
  label: string;
  device: string;
  node: string;
  /** The publisher's FFmpeg input options, as read from its command line (the floor uses them). */
  inputArgs: string[];
  /** Per sample, ms. */
  play: { describeMs: number[]; playToPacketMs: number[]; totalMs: number[] };
  startStreaming: { replyMs: number[]; firstPacketMs: number[] };
  /** The device's first frame (v4l2-ctl; FFmpeg with the publisher's input options), and FFmpeg's own start (`ffmpeg -version`: no device). */
  floor: { v4l2ctlMs: number[]; ffmpegMs: number[]; ffmpegStartMs: number[] };
  /** Per sample: the camera's publisher was running once the player had its packet. */
  publisherRan: boolean[];
  /** Per sample: ms from the sample's end until the publisher was gone and the node closed again. */
  stoppedAfterMs: number[];
  /** Samples that failed (no packet, an error), with the error. */
  errors: string[];
}

const FIRST_PACKET_TIMEOUT_MS = 60_000;
/** Samples per figure and camera in the VM streaming scenario (a round costs ~11 s in the emulated guest; the test command has a time budget). */
export const ON_DEMAND_SAMPLES = 4;

/** The options before the output of an FFmpeg command line: everything up to and including `-i <input>`. */
export function inputOptions(argv: string[]): string[] {
  const i = argv.indexOf('-i');
  return i < 0 ? [] : argv.slice(1, i + 2);
}

/**
 * Measures `samples` rounds on one camera: the device's first frame (v4l2-ctl, and FFmpeg with the
 * publisher's own input options), a player's DESCRIBE/PLAY → first RTP packet, and start_streaming
 * → first packet at such a player; the camera is idle before each. The service must close
 * on-demand streams soon after their last reader (streaming.reader_close_after_s).
 */
export async function measureOnDemand(
  svc: RunningService,
  op: CameraServiceClient,
  cam: { device: string; node: string; label: string; /** Processes allowed to hold the node (a loopback writer). */ writerPid?: number },
  samples: number,
): Promise<OnDemandFigures> {
  const fig: OnDemandFigures = {
    label: cam.label,
    device: cam.device,
    node: cam.node,
    inputArgs: [],
    play: { describeMs: [], playToPacketMs: [], totalMs: [] },
    startStreaming: { replyMs: [], firstPacketMs: [] },
    floor: { v4l2ctlMs: [], ffmpegMs: [], ffmpegStartMs: [] },
    publisherRan: [],
    stoppedAfterMs: [],
    errors: [],
  };
  // Credentials in the URL (the player sends them as Basic auth): a viewer's token as the password.
  const url = `rtsp://any:${svc.mediaToken}@127.0.0.1:${svc.rtspPort}/${cam.device}`;
  const publishers = () => processesMatching(`:${svc.rtspPort}/${cam.device}`, 'pipe:1');
  const holders = () => videoNodeHolders().filter((h) => h.endsWith(` ${cam.node}`) && h.split(' ')[0] !== String(cam.writerPid));
  const idle = () => until(() => publishers().length === 0 && holders().length === 0, 60_000, `${cam.device} idle (publisher gone, node closed)`, 20);
  const publisherNow = () => {
    const pid = publishers()[0];
    if (pid !== undefined && fig.inputArgs.length === 0) {
      try {
        fig.inputArgs = inputOptions(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'));
      } catch {
        // exited meanwhile; the next sample reads it
      }
    }
    return pid !== undefined;
  };

  // One on-demand start first, not recorded: it gives the publisher's input options for the floor.
  await idle();
  await readFirstPacket(url, FIRST_PACKET_TIMEOUT_MS);
  publisherNow();
  if (fig.inputArgs.length === 0) throw new Error(`${cam.device}: could not read the publisher's command line`);

  for (let i = 0; i < samples; i++) {
    try {
      await idle();
      const v = await run('v4l2-ctl', ['-d', cam.node, '--stream-mmap', '--stream-count=1'], 60_000);
      if (v.code !== 0) throw new Error(`v4l2-ctl --stream-mmap exited ${v.code}: ${v.stderr.trim()}`);
      fig.floor.v4l2ctlMs.push(v.ms);
      await idle();
      const f = await run('ffmpeg', [...fig.inputArgs, '-frames:v', '1', '-f', 'null', '-'], 60_000);
      if (f.code !== 0) throw new Error(`ffmpeg first frame exited ${f.code}: ${f.stderr.trim().slice(-300)}`);
      fig.floor.ffmpegMs.push(f.ms);
      const s = await run('ffmpeg', ['-hide_banner', '-version'], 60_000);
      if (s.code !== 0) throw new Error(`ffmpeg -version exited ${s.code}`);
      fig.floor.ffmpegStartMs.push(s.ms);

      await idle();
      const p = await readFirstPacket(url, FIRST_PACKET_TIMEOUT_MS);
      fig.publisherRan.push(publisherNow());
      fig.play.describeMs.push(p.describeMs);
      fig.play.playToPacketMs.push(p.playToPacketMs);
      fig.play.totalMs.push(p.totalMs);

      fig.stoppedAfterMs.push(await idle());
      const t = performance.now();
      await op.call('start_streaming', { device: cam.device });
      fig.startStreaming.replyMs.push(performance.now() - t);
      await readFirstPacket(url, FIRST_PACKET_TIMEOUT_MS);
      fig.startStreaming.firstPacketMs.push(performance.now() - t);
      fig.publisherRan.push(publisherNow());
      await op.call('stop_streaming', { device: cam.device });
      fig.stoppedAfterMs.push(await idle());
    } catch (err) {
      fig.errors.push(`sample ${i + 1}: ${(err as Error).message}`);
    }
  }
  return fig;
}

const r = (ms: number) => (Number.isFinite(ms) ? String(Math.round(ms)) : '—');

/** A text table: median / p95 / max of each figure, the FFmpeg first-frame floor beside, service − floor at the median. */
export function onDemandTable(fig: OnDemandFigures): string {
  const floor = distribution(fig.floor.ffmpegMs).p50;
  const rows: [string, number[], boolean][] = [
    ['floor: v4l2-ctl --stream-mmap, first frame (process wall time)', fig.floor.v4l2ctlMs, false],
    ['floor: ffmpeg (publisher input options) → first frame, exit', fig.floor.ffmpegMs, false],
    ['… of which FFmpeg process start (ffmpeg -version, no device)', fig.floor.ffmpegStartMs, false],
    ['player DESCRIBE → answer (publisher start)', fig.play.describeMs, false],
    ['player PLAY → first RTP packet', fig.play.playToPacketMs, false],
    ['player DESCRIBE → first RTP packet (the whole wait)', fig.play.totalMs, true],
    ['start_streaming reply', fig.startStreaming.replyMs, false],
    ['start_streaming → first RTP packet at a player', fig.startStreaming.firstPacketMs, true],
  ];
  const lines = [`${fig.label} ${fig.device} (${fig.node}), ms, n per row; floor = ffmpeg median ${r(floor)} ms`, 'figure | n | median | p95 | max | median − floor'];
  for (const [name, samples, vsFloor] of rows) {
    const d = distribution(samples);
    lines.push(`${name} | ${d.n} | ${r(d.p50)} | ${r(d.p95)} | ${r(d.max)} | ${vsFloor ? r(d.p50 - floor) : ''}`);
  }
  return lines.join('\n');
}
