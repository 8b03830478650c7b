// Guest side of the VM camera settings test (runs inside the VM as root via
// `node dist/e2e/vm/guest/controls-scenario.js`): the real service sets a real vivid camera's
// V4L2 controls (read back with v4l2-ctl), refuses invalid values without touching the device,
// re-applies saved values after an unbind/bind and after a service restart, changes the capture
// mode (an RTSP reader sees the new size), and publishes an MJPEG v4l2loopback camera.
// Results go to $OUT/report.json; the host-side test (../controls.test.ts) judges.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { CameraServiceClient } from '../../../src/client/index.js';
import { until, type RunningService } from '../../../test/helpers/service.js';
import { run as runCommand } from './exec.js';
import { loadOneVivid, mjpegLoopbackCamera, runVividScenario, startServiceInVm } from './scenario.js';

export interface ControlsReport {
  ok: boolean;
  error?: string;
  device?: string;
  controlCount?: number;
  types?: string[];
  /** Values set through the API, the API's read-back and v4l2-ctl's afterwards. */
  set?: { api: Record<string, unknown>; v4l2ctl: Record<string, string> };
  /** set_camera_controls latency (ms) over repeated calls. */
  latency?: { n: number; p50: number; p95: number; max: number };
  /** The same write done by v4l2-ctl alone in the guest (process start + ioctls + listing), for comparison. */
  v4l2ctlAlone?: { n: number; p50: number; p95: number; max: number };
  invalid?: { code: number | null; details: Record<string, { rule: string }>; before: Record<string, string>; after: Record<string, string> };
  rebind?: { reason: string | null; v4l2ctl: Record<string, string>; ms: number };
  mode?: { before: string; notified: string | null; result: Record<string, unknown>; status: Record<string, unknown> | null; read: { width: number; height: number; codec: string }; reapplied: string[] };
  restart?: { cleared: Record<string, string>; v4l2ctl: Record<string, string>; mode: Record<string, unknown> | null; rejected: Record<string, { rule: string }> | null; savedAfter: string[] };
  reset?: { v4l2ctl: Record<string, string>; persisted: string[] };
  mjpeg?: { camera: string; formats: string[]; template: string | null; read: { width: number; height: number; codec: string; frames: number } };
  timings: Record<string, number>;
}

const t0 = performance.now();
const report: ControlsReport = { ok: false, timings: {} };
const mark = (name: string) => (report.timings[name] = Math.round(performance.now() - t0));
const run = (cmd: string, args: string[], timeoutMs = 60_000) => runCommand(cmd, args, timeoutMs);
const NAMES = ['brightness', 'contrast', 'saturation', 'gain_automatic', 'gain', 'menu'];

async function getCtrls(dev: string, names = NAMES): Promise<Record<string, string>> {
  const r = await run('v4l2-ctl', ['-d', dev, `--get-ctrl=${names.join(',')}`]);
  if (r.code !== 0) throw new Error(`v4l2-ctl --get-ctrl: ${r.stderr}`);
  const out: Record<string, string> = {};
  for (const line of r.stdout.split('\n')) {
    const m = /^(\w+): (.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

async function rtspRead(url: string): Promise<{ width: number; height: number; codec: string; frames: number }> {
  const probe = await run('ffprobe', ['-v', 'error', '-rtsp_transport', 'tcp', '-select_streams', 'v:0', '-count_packets', '-read_intervals', '%+3',
    '-show_entries', 'stream=codec_name,width,height,nb_read_packets', '-of', 'json', url], 120_000);
  const s = (JSON.parse(probe.stdout || '{"streams":[]}') as { streams?: { codec_name: string; width: number; height: number; nb_read_packets: string }[] }).streams?.[0];
  return { width: s?.width ?? 0, height: s?.height ?? 0, codec: s?.codec_name ?? '', frames: Number(s?.nb_read_packets ?? 0) };
}

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: { code?: number; data?: Record<string, unknown> }) => e);

let writer: ChildProcess | undefined;

async function main(ref: { svc?: RunningService }): Promise<void> {
  await loadOneVivid();
  mark('vivid_loaded');
  const dir = mkdtempSync(join(tmpdir(), 'controls-vm-'));
  let svc = await startServiceInVm({}, { dir, keep: true });
  ref.svc = svc;
  mark('service_ready');
  let op: CameraServiceClient = await svc.client('operator');
  const viewer = await svc.client('viewer');
  const cam = (await viewer.call('get_camera_list')).cameras.find((c) => c.status === 'CONNECTED');
  if (!cam) throw new Error('no connected camera');
  const device = cam.device;
  report.device = device;
  const dev = '/dev/video0';

  // ---- read (viewer) ----
  const listed = await viewer.call('get_camera_controls', { device });
  report.controlCount = listed.controls.length;
  report.types = [...new Set(listed.controls.map((c) => c.type))].sort();
  mark('controls_read');

  // ---- set (operator), dependent pair, persisted; read back with v4l2-ctl ----
  const set = await op.call('set_camera_controls', { device, controls: { brightness: 200, contrast: 50, gain: 77, gain_automatic: false, menu: 'Menu Item 4' }, persist: true });
  report.set = { api: set.controls, v4l2ctl: await getCtrls(dev) };
  mark('set_done');

  // ---- latency (not asserted) ----
  const stats = (ms: number[]) => {
    ms.sort((a, b) => a - b);
    const q = (p: number) => Math.round(ms[Math.min(ms.length - 1, Math.ceil(p * ms.length) - 1)]! * 10) / 10;
    return { n: ms.length, p50: q(0.5), p95: q(0.95), max: q(1) };
  };
  const ms: number[] = [];
  const alone: number[] = [];
  for (let i = 0; i < 20; i++) {
    const s = performance.now();
    await op.call('set_camera_controls', { device, controls: { saturation: 100 + i } });
    ms.push(performance.now() - s);
    alone.push((await run('v4l2-ctl', ['-d', dev, `--set-ctrl=saturation=${100 + i}`, '--list-ctrls-menus'])).ms);
  }
  report.latency = stats(ms);
  report.v4l2ctlAlone = stats(alone);
  mark('latency_done');

  // ---- invalid: refused with details, nothing changed on the device ----
  const before = await getCtrls(dev);
  const bad = await failure(op.call('set_camera_controls', { device, controls: { contrast: 10, brightness: 300, read_only_integer_32_bits: 1, dv_timings: 1, menu: 2 } }));
  report.invalid = { code: bad?.code ?? null, details: (bad?.data?.details ?? {}) as Record<string, { rule: string }>, before, after: await getCtrls(dev) };
  mark('invalid_done');

  // ---- unbind/bind: the camera comes back with its defaults; the service re-applies ----
  const gone = viewer.waitForNotification<{ device: string; status: string }>('camera_status_update', (p) => p.device === device && p.status === 'DISCONNECTED', 60_000);
  await op.call('subscribe_events', { topics: ['camera.settings_changed', 'camera.capability_error'] });
  const reapplied = op.waitForNotification<{ device: string; reason: string }>('camera.settings_changed', (p) => p.device === device && p.reason === 'reapplied_on_connect', 120_000);
  const unbindAt = performance.now();
  await run('sh', ['-c', 'echo vivid.0 > /sys/bus/platform/drivers/vivid/unbind']);
  await gone;
  await run('sh', ['-c', 'echo vivid.0 > /sys/bus/platform/drivers/vivid/bind']);
  const r = await reapplied;
  report.rebind = { reason: r.reason, v4l2ctl: await getCtrls(dev), ms: Math.round(performance.now() - unbindAt) };
  mark('rebind_done');

  // ---- capture mode at run time: a reader sees the new size ----
  const st0 = await viewer.call('get_camera_status', { device });
  const beforeStart = op.waitForNotification<{ device: string; reason: string }>('camera.settings_changed', (p) => p.device === device && p.reason === 'reapplied_before_publisher_start', 180_000);
  const afterStart = op.waitForNotification<{ device: string; reason: string }>('camera.settings_changed', (p) => p.device === device && p.reason === 'reapplied_after_publisher_start', 180_000);
  const resized = viewer.waitForNotification<{ device: string; resolution: string }>('camera_status_update', (p) => p.device === device && p.resolution === '640x360', 60_000);
  const modeResult = await op.call('set_camera_mode', { device, format: 'YUYV', width: 640, height: 360, fps: 5, persist: true });
  const notified = await resized.then((p) => p.resolution, () => null);
  const st1 = await viewer.call('get_camera_status', { device });
  const read = await rtspRead(svc.rtspUrl(device));
  const pub = (await Promise.all([beforeStart, afterStart].map((w) => w.then((p) => p.reason, () => 'missing'))));
  report.mode = { before: st0.resolution, notified, result: modeResult, status: (st1.mode as Record<string, unknown> | undefined) ?? null, read, reapplied: pub };
  mark('mode_done');

  // ---- restart: the device forgets (values reset by hand), the service puts them back ----
  await op.close();
  await viewer.close();
  await svc.stop();
  ref.svc = undefined;
  await run('v4l2-ctl', ['-d', dev, '--set-ctrl=gain_automatic=1,brightness=128,contrast=128,saturation=128,menu=3']);
  const cleared = await getCtrls(dev, ['brightness', 'contrast', 'gain_automatic', 'menu']);
  // Values this camera does not accept (as after a firmware change, or another model on the port).
  const file = join(dir, 'state', 'camera-settings.json');
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { cameras: Record<string, { controls: Record<string, unknown> }> };
  for (const entry of Object.values(doc.cameras)) Object.assign(entry.controls, { hue: 500, no_such_control: 1 });
  writeFileSync(file, JSON.stringify(doc));
  svc = await startServiceInVm({}, { dir, keep: true });
  ref.svc = svc;
  await svc.waitForLog((l) => l.msg === 'saved camera settings re-applied', 120_000);
  const rejected = await svc.waitForLog((l) => l.msg === 'saved camera settings rejected by the device: dropped', 10_000).catch(() => undefined);
  const savedAfter = Object.values((JSON.parse(readFileSync(file, 'utf8')) as typeof doc).cameras).flatMap((e) => Object.keys(e.controls)).sort();
  op = await svc.client('operator');
  const st2 = await op.call('get_camera_status', { device });
  report.restart = { cleared, v4l2ctl: await getCtrls(dev), mode: (st2.mode as Record<string, unknown> | undefined) ?? null, rejected: (rejected?.['rejected'] as Record<string, { rule: string }> | undefined) ?? null, savedAfter };
  mark('restart_done');

  // ---- reset: device defaults, nothing saved ----
  await op.call('reset_camera_controls', { device });
  const after = await op.call('get_camera_controls', { device });
  report.reset = { v4l2ctl: await getCtrls(dev), persisted: after.controls.filter((c) => c.persisted).map((c) => c.name) };
  mark('reset_done');

  // ---- MJPEG from a v4l2loopback writer, published over RTSP ----
  const { cam: loopCam } = await mjpegLoopbackCamera(op, (w) => (writer = w));
  const caps = await op.call('get_camera_capabilities', { device: loopCam.device });
  const loopRead = await rtspRead(svc.rtspUrl(loopCam.device));
  // The reader has gone; the publisher may still run (reader_close_after_s): take its template if so.
  let template: string | null = null;
  await until(async () => {
    const s = (await op.call('get_stream_status', { device: loopCam.device })) as { template?: { name: string } };
    template = s.template?.name ?? template;
    return template !== null;
  }, 5_000, 'stream template').catch(() => undefined);
  if (template === null) {
    const line = await svc.waitForLog((l) => l.msg === 'ffmpeg publisher started' && l['camera'] === loopCam.device, 10_000).catch(() => undefined);
    template = (line?.['template'] as string | undefined) ?? null;
  }
  report.mjpeg = { camera: loopCam.device, formats: caps.formats, template, read: loopRead };
  mark('mjpeg_done');
  await op.close();
  report.ok = true;
}

try {
  await runVividScenario('controls', report, main);
} finally {
  writer?.kill('SIGTERM');
  await run('sh', ['-c', 'modprobe -r v4l2loopback 2>/dev/null; true']);
}
// Keep the service logs' audit lines visible in output.log for the record.
try {
  const out = process.env['OUT'] ?? '/tmp';
  const audit = readFileSync(join(out, 'service-controls.log'), 'utf8').split('\n').filter((l) => l.includes('"audit":true')).slice(0, 3);
  for (const l of audit) process.stdout.write(`${l}\n`);
} catch {
  // no log
}
