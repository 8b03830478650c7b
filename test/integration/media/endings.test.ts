/**
 * How recordings end when the world changes under them: the camera is unplugged (an
 * in-process service whose test-pattern camera is marked DISCONNECTED, as discovery does on
 * unplug), and MediaMTX dies.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { mintToken } from '../../../src/api/auth/jwt.js';
import { App } from '../../../src/app.js';
import { CameraServiceClient } from '../../../src/client/index.js';
import { loadConfig } from '../../../src/config/load.js';
import { createLogger } from '../../../src/observability/logger.js';
import { freePorts } from '../../helpers/ports.js';
import { processesMatching, SECRET, startService } from '../../helpers/service.js';
import { collect, decodedFrames, deferrer, probeSeconds, SMALL } from './media-helpers.js';

describe('recording endings', () => {
  it('camera unplugged during a recording: STOPPED camera_disconnected, the file is finalized and plays', async (t) => {
    const defer = deferrer(t);
    const dir = mkdtempSync(join(tmpdir(), 'camera-service-unplug-'));
    defer(() => rmSync(dir, { recursive: true, force: true }));
    const [port, apiPort, rtspPort] = (await freePorts(3)) as [number, number, number];
    const file = join(dir, 'config.yaml');
    writeFileSync(
      file,
      stringify({
        server: { host: '127.0.0.1', port },
        security: { jwt_secret: SECRET },
        mediamtx: { api_url: `http://127.0.0.1:${apiPort}`, listen_host: '127.0.0.1', rtsp_port: rtspPort, rtp_port: 0, hls_port: 0, webrtc_port: 0, health_interval_ms: 250 },
        storage: { recordings_path: join(dir, 'recordings'), snapshots_path: join(dir, 'snapshots'), state_path: join(dir, 'state'), min_free_bytes: 0 },
        discovery: { enabled: false },
        test_cameras: { patterns: [{ name: 'a', ...SMALL }] },
        logging: { level: 'error' },
      }),
    );
    const loaded = loadConfig(file, {});
    assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.problems));
    const app = new App(loaded.config, createLogger('error'));
    defer(() => app.stop());
    await app.start();
    const c = await CameraServiceClient.connect(`ws://127.0.0.1:${port}/ws`);
    defer(() => c.close().catch(() => undefined));
    await c.authenticate(await mintToken(SECRET, { role: 'operator', user_id: 't' }, 600));
    const notes = collect(c);
    await c.call('subscribe_events', { topics: ['recording.progress', 'recording.stop'] });
    const r = await c.call('start_recording', { device: 'camera0' });
    await notes.wait('recording.progress', (p) => p.duration >= 2);

    app.testPatterns.remove('a');
    const stopped = await notes.wait('recording_status_update', (p) => p.filename === r.filename && p.status !== 'STARTED');
    assert.deepEqual([stopped.status, stopped.reason], ['STOPPED', 'camera_disconnected']);
    assert.equal((await notes.wait('recording.stop', (p) => p.filename === r.filename)).reason, 'camera_disconnected');
    await notes.wait('camera_status_update', (p) => p.status === 'DISCONNECTED');
    const path = join(dir, 'recordings', r.filename);
    assert.ok(probeSeconds(path)! >= 1.5);
    assert.ok(decodedFrames(path) > 0);
    await assert.rejects(c.call('start_recording', { device: 'camera0' }), (e: { code: number; data: { state: string } }) => e.code === -32020 && e.data.state === 'DISCONNECTED');
  });

  it('MediaMTX dies during a recording: FAILED stream_lost, the file plays', async (t) => {
    const svc = await startService({ test_cameras: { patterns: [{ name: 'a', ...SMALL }] }, storage: { min_free_bytes: 0 } });
    t.after(() => svc.stop());
    const c = await svc.client('operator');
    t.after(() => c.close());
    const notes = collect(c);
    await c.call('subscribe_events', { topics: ['recording.progress', 'recording.error'] });
    const r = await c.call('start_recording', { device: 'camera0' });
    await notes.wait('recording.progress', (p) => p.duration >= 2);
    const [mtx] = processesMatching(join(svc.dir, 'state', 'mediamtx.yml'));
    process.kill(mtx!, 'SIGKILL');
    const failed = await notes.wait('recording_status_update', (p) => p.filename === r.filename && p.status !== 'STARTED');
    assert.deepEqual([failed.status, failed.reason], ['FAILED', 'stream_lost']);
    assert.equal((await notes.wait('recording.error', (p) => p.filename === r.filename)).reason, 'stream_lost');
    assert.ok(decodedFrames(join(svc.dir, 'recordings', r.filename)) > 0);
  });
});
