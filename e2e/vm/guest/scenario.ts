// Runs a guest scenario that drives the service against vivid: whatever happens, the service's
// log is saved, the service stopped, vivid unloaded, and the report written to $OUT/report.json.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CameraServiceClient } from '../../../src/client/index.js';
import { merge } from '../../../src/lib/schema.js';
import { startService, until, type RunningService } from '../../../test/helpers/service.js';
import { run } from './exec.js';

export async function runVividScenario(name: string, report: { error?: string }, main: (ref: { svc?: RunningService }) => Promise<void>): Promise<void> {
  const out = process.env['OUT'] ?? '/tmp';
  const ref: { svc?: RunningService } = {};
  try {
    await main(ref);
  } catch (err) {
    report.error = (err as Error).stack ?? String(err);
  } finally {
    if (ref.svc) {
      writeFileSync(join(out, `service-${name}.log`), ref.svc.logs.map((l) => JSON.stringify(l)).join('\n') + '\n');
      await ref.svc.stop();
    }
    await run('sh', ['-c', 'echo vivid.0 > /sys/bus/platform/drivers/vivid/bind 2>/dev/null; modprobe -r vivid']);
    writeFileSync(join(out, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  }
}

/** Loads vivid with one video capture node and waits for udev to settle. */
export async function loadOneVivid(): Promise<void> {
  const mod = await run('modprobe', ['vivid', 'n_devs=1', 'node_types=0x1'], 60_000);
  if (mod.code !== 0) throw new Error(`modprobe vivid: ${mod.stderr}`);
  await run('udevadm', ['settle', '-t', '10'], 60_000);
}

/** Starts the service in the VM with settings TCG needs, plus `overrides`; `opts.dir`/`keep` reuse a state directory (restarts). */
export function startServiceInVm(overrides: Record<string, unknown> = {}, opts: { dir?: string; keep?: boolean } = {}): Promise<RunningService> {
  const base = {
    mediamtx: { binary: process.env['MEDIAMTX_BIN'] ?? '' },
    // TCG is slow: a small mode keeps libx264 realtime; probes of vivid can take seconds.
    discovery: { probe_timeout_ms: 20_000, max_width: 320, max_height: 240 },
  };
  return startService(merge(base, overrides) as Record<string, unknown>, { readyTimeoutMs: 90_000, ...opts });
}

/**
 * An MJPEG camera on a real kernel node: loads v4l2loopback (one node, exclusive_caps, label
 * "Loop Cam") and starts an FFmpeg writer feeding it MJPEG 320x240 at 15 fps; resolves once the
 * service reports the camera CONNECTED. `onWriter` gets the writer at once, so the caller stops
 * it whatever happens next.
 */
export async function mjpegLoopbackCamera(client: CameraServiceClient, onWriter: (writer: ChildProcess) => void): Promise<{ loop: string; cam: { device: string; status: string; name: string } }> {
  const mod = await run('modprobe', ['v4l2loopback', 'devices=1', 'exclusive_caps=1', 'card_label=Loop Cam'], 60_000);
  if (mod.code !== 0) throw new Error(`modprobe v4l2loopback: ${mod.stderr}`);
  await run('udevadm', ['settle', '-t', '10'], 60_000);
  const loop = readdirSync('/sys/devices/virtual/video4linux')[0];
  if (!loop) throw new Error('no loopback node');
  const connected = client.waitForNotification<{ device: string; status: string; name: string }>('camera_status_update', (p) => p.status === 'CONNECTED' && p.name.includes('Loop Cam'), 120_000);
  onWriter(spawn('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=15', '-c:v', 'mjpeg', '-q:v', '5', '-f', 'v4l2', `/dev/${loop}`], { stdio: 'ignore' }));
  const cam = await connected;
  // The camera's MediaMTX path is written beside its CONNECTED notification, not before it: a
  // player that arrives first is refused (400, path not configured). Callers play the camera
  // next, so it is returned once the path exists.
  await until(async () => (await client.call('get_stream_status', { device: cam.device })).mediamtx_path.exists, 60_000, `${cam.device}'s MediaMTX path`, 20);
  return { loop, cam };
}
