// Guest side of the VM streaming test (runs inside the VM as root via
// `node dist/e2e/vm/guest/streaming-scenario.js`): the real service publishes a real vivid
// camera through its managed MediaMTX; an RTSP reader gets frames; unbinding the device (an
// unplug) must stop the camera's FFmpeg and notify clients. Between the read and the unplug, and
// then on an MJPEG v4l2loopback camera: how long a reader waits for an idle camera's on-demand
// stream, beside the device's own first frame (./on-demand.ts). Results go to $OUT/report.json;
// the host-side test (../streaming.test.ts) judges.
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { processesMatching, type RunningService } from '../../../test/helpers/service.js';
import { run as runCommand } from './exec.js';
import { measureOnDemand, ON_DEMAND_SAMPLES, type OnDemandFigures } from './on-demand.js';
import { loadOneVivid, mjpegLoopbackCamera, runVividScenario, startServiceInVm } from './scenario.js';

export interface StreamingReport {
  ok: boolean;
  error?: string;
  camera?: { device: string; status: string; resolution: string; fps: number };
  /** A reader's view of the published stream. */
  read?: { code: number; frames: number; codec: string; width: number; height: number; ms: number };
  streamStatus?: { status: string; running: boolean; pid: number | null; template?: string };
  unplug?: { ffmpegGoneMs: number | null; notifiedMs: number | null; status: string | null };
  /** On-demand first packet against the device's first frame: the vivid camera, then an MJPEG loopback camera. */
  onDemand?: OnDemandFigures[];
  timings: Record<string, number>;
}

const t0 = performance.now();
const report: StreamingReport = { ok: false, timings: {} };
const mark = (name: string) => (report.timings[name] = Math.round(performance.now() - t0));

const run = (cmd: string, args: string[], timeoutMs = 60_000) => runCommand(cmd, args, timeoutMs);
let writer: ChildProcess | undefined;

async function main(svcRef: { svc?: RunningService }): Promise<void> {
  await loadOneVivid();
  mark('vivid_loaded');
  // On-demand streams close 1 s after their last reader, so the samples below start from idle soon.
  const svc = await startServiceInVm({ streaming: { reader_close_after_s: 1 } });
  svcRef.svc = svc;
  mark('service_ready');
  const viewer = await svc.client('viewer');
  const op = await svc.client('operator');
  const list = await viewer.call('get_camera_list');
  const cam = list.cameras[0];
  if (!cam) throw new Error('no camera listed');
  report.camera = { device: cam.device, status: cam.status, resolution: cam.resolution, fps: cam.fps };

  // An RTSP reader starts the on-demand publisher and reads frames.
  const url = svc.rtspUrl(cam.device);
  const readStart = performance.now();
  const probe = await run('ffprobe', ['-v', 'error', '-rtsp_transport', 'tcp', '-select_streams', 'v:0', '-count_packets', '-read_intervals', '%+3',
    '-show_entries', 'stream=codec_name,width,height,nb_read_packets', '-of', 'json', url], 90_000);
  const stream = (JSON.parse(probe.stdout || '{"streams":[]}') as { streams?: { codec_name: string; width: number; height: number; nb_read_packets: string }[] }).streams?.[0];
  report.read = {
    code: probe.code,
    frames: Number(stream?.nb_read_packets ?? 0),
    codec: stream?.codec_name ?? '',
    width: stream?.width ?? 0,
    height: stream?.height ?? 0,
    ms: Math.round(performance.now() - readStart),
  };
  mark('read_done');

  // On-demand activation from an idle camera, against the device's own first frame.
  report.onDemand = [await measureOnDemand(svc, op, { device: cam.device, node: '/dev/video0', label: 'vivid (raw → x264)' }, ON_DEMAND_SAMPLES)];
  mark('on_demand_vivid_done');

  // Keep a reader on the stream, then unplug the camera.
  const reader = spawn('ffmpeg', ['-v', 'error', '-rtsp_transport', 'tcp', '-i', url, '-f', 'null', '-'], { stdio: 'ignore' });
  const deadline = Date.now() + 60_000;
  let status = await viewer.call('get_stream_status', { device: cam.device });
  while (!(status.ffmpeg_process.running && status.mediamtx_path.readers > 0) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    status = await viewer.call('get_stream_status', { device: cam.device });
  }
  const tmpl = (status as { template?: { name: string } }).template?.name;
  report.streamStatus = { status: status.status, running: status.ffmpeg_process.running, pid: status.ffmpeg_process.pid, ...(tmpl ? { template: tmpl } : {}) };
  const pid = status.ffmpeg_process.pid;
  const publishers = () => processesMatching(`:${svc.rtspPort}/${cam.device}`, 'pipe:1');

  const notified = viewer.waitForNotification<{ device: string; status: string }>('camera_status_update', (p) => p.device === cam.device && p.status === 'DISCONNECTED', 30_000);
  const unplugAt = performance.now();
  await run('sh', ['-c', 'echo vivid.0 > /sys/bus/platform/drivers/vivid/unbind']);
  let ffmpegGoneMs: number | null = null;
  while (performance.now() - unplugAt < 30_000) {
    if (pid !== null && publishers().length === 0) {
      ffmpegGoneMs = Math.round(performance.now() - unplugAt);
      break;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const n = await notified.then((p) => ({ at: performance.now(), status: p.status }), () => undefined);
  report.unplug = { ffmpegGoneMs, notifiedMs: n ? Math.round(n.at - unplugAt) : null, status: n?.status ?? null };
  reader.kill('SIGKILL');
  mark('unplug_done');

  // The same on an MJPEG camera: a v4l2loopback node fed by an FFmpeg writer (stream copy).
  const { loop, cam: loopCam } = await mjpegLoopbackCamera(op, (w) => (writer = w));
  report.onDemand.push(await measureOnDemand(svc, op, { device: loopCam.device, node: `/dev/${loop}`, label: 'v4l2loopback fed MJPEG 320x240@15', ...(writer?.pid ? { writerPid: writer.pid } : {}) }, ON_DEMAND_SAMPLES));
  mark('on_demand_loopback_done');
  await viewer.close();
  await op.close();
  report.ok = true;
}

try {
  await runVividScenario('streaming', report, main);
} finally {
  writer?.kill('SIGTERM');
  await run('sh', ['-c', 'modprobe -r v4l2loopback 2>/dev/null; true']);
}
