/** camera-service-ctl end to end against the real daemon. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createInterface } from 'node:readline';
import { ROOT, startService, type RunningService } from '../../helpers/service.js';

const CTL = join(ROOT, 'dist', 'src', 'cli', 'ctl.js');
let svc: RunningService;
let cfg: string;
before(async () => {
  svc = await startService({ test_cameras: { patterns: [{ name: 'cli', width: 320, height: 240, fps: 15 }] } });
  cfg = join(svc.dir, 'config.yaml');
});
after(() => svc?.stop());

const ctl = (...args: string[]) => spawnSync(process.execPath, [CTL, '--config', cfg, ...args], { encoding: 'utf8', timeout: 30000 });

describe('camera-service-ctl', () => {
  it('cameras: a table by default, the API result with --json', () => {
    const human = ctl('cameras');
    assert.equal(human.status, 0, human.stderr);
    assert.match(human.stdout, /^DEVICE\s+STATUS\s+NAME/m);
    assert.match(human.stdout, /camera0\s+CONNECTED\s+Test pattern cli\s+320x240\s+15/);
    const json = JSON.parse(ctl('cameras', '--json').stdout);
    assert.deepEqual([json.total, json.connected, json.cameras[0].device], [1, 1, 'camera0']);
  });

  it('status and diagnose a camera; streams', () => {
    const status = JSON.parse(ctl('status', 'camera0', '--json').stdout);
    assert.equal(status.camera.device, 'camera0');
    assert.equal(status.stream.stream_name, 'camera0');
    const diag = JSON.parse(ctl('diagnose', 'camera0', '--json').stdout);
    assert.match(diag.summary, /camera0 is idle/);
    assert.equal(ctl('streams').status, 0);
  });

  it('token mints a JWT the service accepts, with a token given explicitly', () => {
    const token = ctl('token', '--role', 'viewer').stdout.trim();
    const r = spawnSync(process.execPath, [CTL, '--url', svc.wsUrl, '--token', token, 'cameras', '--json'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const denied = spawnSync(process.execPath, [CTL, '--url', svc.wsUrl, '--token', token, 'diagnose', 'camera0'], { encoding: 'utf8' });
    assert.equal(denied.status, 1);
    assert.match(denied.stderr, /Permission denied/);
  });

  it('non-zero exit codes: 1 for a failed request, 2 for usage errors', () => {
    const missing = ctl('status', 'camera9');
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /-32010/);
    assert.equal(ctl('frobnicate').status, 2);
    assert.equal(ctl('token', '--role', 'root').status, 2);
    assert.equal(spawnSync(process.execPath, [CTL, '--url', svc.wsUrl, 'cameras'], { encoding: 'utf8', env: { ...process.env, CAMERA_SERVICE_CONFIG: '/nonexistent' } }).status, 2);
  });

  it('snapshot downloads the image; record start/stop and recordings list the file', async () => {
    const out = join(svc.dir, 'cli-snap.jpg');
    const snap = ctl('snapshot', 'camera0', '-o', out);
    assert.equal(snap.status, 0, snap.stderr);
    assert.match(snap.stdout, /camera0_.*\.jpg \(.*\) saved to /);
    const jpeg = readFileSync(out);
    assert.deepEqual([...jpeg.subarray(0, 3)], [0xff, 0xd8, 0xff], 'a JPEG file');
    const listed = JSON.parse(ctl('snapshots', '--json').stdout);
    assert.equal(listed.total, 1);

    const started = JSON.parse(ctl('record', 'start', 'camera0', '--json').stdout);
    assert.equal(started.status, 'RECORDING');
    const stopped = ctl('record', 'stop', 'camera0');
    assert.equal(stopped.status, 0, stopped.stderr);
    assert.match(stopped.stdout, new RegExp(`stopped ${started.filename}`));
    const recordings = ctl('recordings');
    assert.match(recordings.stdout, new RegExp(started.filename.replace('.', '\\.')));
    assert.equal(ctl('record', 'pause', 'camera0').status, 2);
    const metrics = await (await fetch(`${svc.httpUrl}/metrics`)).text();
    assert.match(metrics, /camera_service_recording_bytes_total\{camera="camera0"\} [1-9]/);
    assert.match(metrics, /camera_service_recordings_active 0/);
    assert.match(metrics, /camera_service_storage_total_bytes [1-9]/);
  });

  it('watch prints live notifications as JSON lines', async () => {
    const watch = spawn(process.execPath, [CTL, '--config', cfg, 'watch', '--topics', 'stream.started', '--count', '1', '--json'], {
      env: { ...process.env, CAMERA_SERVICE_CTL_READY_MARK: 'READY' },
    });
    const exited = new Promise<number | null>((resolve) => watch.once('exit', resolve));
    await new Promise<void>((resolve) => createInterface({ input: watch.stderr }).on('line', (l) => l === 'READY' && resolve()));
    const lines: string[] = [];
    createInterface({ input: watch.stdout }).on('line', (l) => lines.push(l));
    const op = await svc.client('operator');
    await op.call('start_streaming', { device: 'camera0' });
    assert.equal(await exited, 0);
    const event = JSON.parse(lines[0]!);
    assert.equal(event.method, 'stream.started');
    assert.equal(event.params.device, 'camera0');
    await op.call('stop_streaming', { device: 'camera0' });
    await op.close();
  });

  it('controls and mode: a test pattern has no controls; --set is all or nothing; mode WxH@FPS; usage errors', () => {
    const list = ctl('controls', 'camera0');
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /this camera has no V4L2 controls/);
    const set = ctl('controls', 'camera0', '--set', 'brightness=10', '--set', 'contrast=true');
    assert.equal(set.status, 1);
    assert.match(set.stderr, /-32602.*brightness: unknown, contrast: unknown/);
    assert.equal(ctl('controls', 'camera0', '--set', 'oops').status, 2);
    assert.equal(ctl('controls', 'camera0', '--set', 'a=1', '--reset').status, 2);
    const mode = ctl('mode', 'camera0', '160x120@10', '--persist');
    assert.equal(mode.status, 0, mode.stderr);
    assert.equal(mode.stdout.trim(), 'camera0: H264 160x120@10 (saved for this camera)');
    assert.match(ctl('cameras').stdout, /camera0\s+CONNECTED\s+Test pattern cli\s+160x120\s+10/);
    assert.equal(ctl('mode', 'camera0', '160x120').status, 2);
    const reset = ctl('mode', 'camera0', '--reset');
    assert.equal(reset.status, 0, reset.stderr);
    assert.equal(reset.stdout.trim(), 'camera0: H264 320x240@15 (mode policy)');
    const bad = ctl('mode', 'camera0', '161x120@10');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /-32602/);
  });
});
