// Guest side of the VM recording test (runs inside the VM as root via
// `node dist/e2e/vm/guest/recording-scenario.js`): the real service records a real vivid
// camera for 5 s (duration auto-stop), then records again and the camera is unplugged
// (vivid unbound) mid-recording. Files are checked with ffprobe; results go to
// $OUT/report.json and the host-side test (../recording.test.ts) judges.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CameraServiceClient } from '../../../src/client/index.js';
import type { RunningService } from '../../../test/helpers/service.js';
import { run as runCommand } from './exec.js';
import { loadOneVivid, runVividScenario, startServiceInVm } from './scenario.js';

interface FileCheck {
  filename: string;
  status: string | null;
  reason: string | null;
  /** ffprobe's format duration, null when it cannot read the file. */
  probedSeconds: number | null;
  decodedFrames: number;
  listed: boolean;
}

export interface RecordingReport {
  ok: boolean;
  error?: string;
  camera?: { device: string; resolution: string };
  timed?: FileCheck;
  unplugged?: FileCheck & { notifiedMs: number | null; cameraStatus: string | null };
  timings: Record<string, number>;
}

const t0 = performance.now();
const report: RecordingReport = { ok: false, timings: {} };
const mark = (name: string) => (report.timings[name] = Math.round(performance.now() - t0));

const run = (cmd: string, args: string[], timeoutMs = 60_000) => runCommand(cmd, args, timeoutMs);

async function probe(file: string): Promise<{ seconds: number | null; frames: number }> {
  const d = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
  const f = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-count_frames', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file]);
  const seconds = Number(d.stdout.trim());
  return { seconds: d.code === 0 && d.stdout.trim() !== '' && Number.isFinite(seconds) ? seconds : null, frames: Number(f.stdout.trim()) || 0 };
}

async function main(ref: { svc?: RunningService }): Promise<void> {
  await loadOneVivid();
  mark('vivid_loaded');
  const svc = await startServiceInVm({
    storage: { min_free_bytes: 0 },
    recording: { start_timeout_ms: 60_000, progress_interval_s: 1 },
  });
  ref.svc = svc;
  mark('service_ready');
  // TCG is slow: starting the publisher and the recorder takes longer than the default 10 s.
  const op = await CameraServiceClient.connect(svc.wsUrl, { timeoutMs: 90_000 });
  await op.authenticate(await svc.token('operator'));
  const notes: { method: string; params: any }[] = [];
  op.on('notification', (method, params) => notes.push({ method, params }));
  const waitFor = async (method: string, match: (p: any) => boolean, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const n = notes.find((x) => x.method === method && match(x.params));
      if (n) return n.params;
      if (Date.now() > deadline) throw new Error(`no ${method} within ${timeoutMs} ms: ${JSON.stringify(notes.map((x) => x.method))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await op.call('subscribe_events', { topics: ['recording.progress', 'recording.stop'] });
  const cam = (await op.call('get_camera_list')).cameras[0];
  if (!cam) throw new Error('no camera listed');
  report.camera = { device: cam.device, resolution: cam.resolution };
  const check = async (filename: string, end: { status: string; reason: string } | undefined): Promise<FileCheck> => {
    const p = await probe(join(svc.dir, 'recordings', filename));
    const listed = (await op.call('list_recordings', {})).files.some((f) => f.filename === filename);
    return { filename, status: end?.status ?? null, reason: end?.reason ?? null, probedSeconds: p.seconds, decodedFrames: p.frames, listed };
  };

  // 1. Five seconds, stopped by the service.
  const timed = await op.call('start_recording', { device: cam.device, duration: 5 });
  mark('timed_started');
  const timedEnd = await waitFor('recording_status_update', (p) => p.filename === timed.filename && p.status !== 'STARTED', 60_000);
  mark('timed_ended');
  report.timed = await check(timed.filename, timedEnd);

  // 2. Unplugged while recording.
  const cut = await op.call('start_recording', { device: cam.device });
  await waitFor('recording.progress', (p) => p.filename === cut.filename && p.duration >= 2, 60_000);
  mark('unplug_recording_running');
  const unplugAt = performance.now();
  await run('sh', ['-c', 'echo vivid.0 > /sys/bus/platform/drivers/vivid/unbind']);
  const end = await waitFor('recording_status_update', (p) => p.filename === cut.filename && p.status !== 'STARTED', 60_000);
  const notifiedMs = Math.round(performance.now() - unplugAt);
  mark('unplug_ended');
  const camStatus = await waitFor('camera_status_update', (p) => p.device === cam.device && p.status === 'DISCONNECTED', 30_000).then((p) => p.status as string, () => null);
  report.unplugged = { ...(await check(cut.filename, end)), notifiedMs, cameraStatus: camStatus };
  await op.close();
  report.ok = true;
}

await runVividScenario('recording', report, main);
