/**
 * Compatibility with the replaced service (issue 15 item 9): replies come before the
 * notifications they cause, an existing snapshot name is overwritten, PNG ignores quality,
 * -32010 messages name what is missing, storage sizes count the recording in progress.
 */
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { startService, until, type RunningService } from '../../helpers/service.js';

const CAM = { width: 320, height: 240, fps: 15 };

/** A raw connection that records every message in arrival order. */
async function rawClient(svc: RunningService, role: 'operator' | 'admin') {
  const ws = new WebSocket(svc.wsUrl);
  const seen: any[] = [];
  const waiters: { match: (m: any) => boolean; resolve: (m: any) => void }[] = [];
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    seen.push(m);
    for (const w of [...waiters]) if (w.match(m)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(m));
  });
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  const wait = (match: (m: any) => boolean, timeoutMs = 20000) =>
    new Promise<any>((resolve, reject) => {
      const found = seen.find(match);
      if (found) return resolve(found);
      const timer = setTimeout(() => reject(new Error('message not seen')), timeoutMs);
      waiters.push({ match, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  let n = 0;
  const call = async (method: string, params: Record<string, unknown> = {}) => {
    const id = `c${++n}`;
    ws.send(JSON.stringify({ jsonrpc: '2.0', method, params, id }));
    return wait((m) => m.id === id);
  };
  await call('authenticate', { auth_token: await svc.token(role) });
  return { ws, seen, wait, call };
}

describe('compatibility with the replaced service', () => {
  let svc: RunningService;
  before(async () => {
    svc = await startService({ test_cameras: { patterns: [{ name: 'a', ...CAM }] }, storage: { min_free_bytes: 0 } });
  });
  after(() => svc?.stop());

  it('start_recording and stop_recording answer before the recording_status_update they cause', async () => {
    const c = await rawClient(svc, 'operator');
    try {
      const started = await c.call('start_recording', { device: 'camera0' });
      assert.ok(started.result, JSON.stringify(started));
      const note = await c.wait((m) => m.method === 'recording_status_update' && m.params.status === 'STARTED');
      assert.ok(c.seen.indexOf(started) < c.seen.indexOf(note), 'the reply came first');
      const stopped = await c.call('stop_recording', { device: 'camera0' });
      assert.ok(stopped.result, JSON.stringify(stopped));
      const end = await c.wait((m) => m.method === 'recording_status_update' && m.params.status === 'STOPPED');
      assert.ok(c.seen.indexOf(stopped) < c.seen.indexOf(end), 'the reply came first');
    } finally {
      c.ws.close();
    }
  });

  it('get_storage_info.recordings_size includes the recording in progress', async () => {
    const c = await rawClient(svc, 'admin');
    try {
      const before = (await c.call('get_storage_info')).result.recordings_size as number;
      const started = (await c.call('start_recording', { device: 'camera0' })).result;
      const file = join(svc.dir, 'recordings', started.filename);
      await until(() => statSync(file, { throwIfNoEntry: false })?.size! > 10_000, 20000, 'the recording to grow');
      const written = statSync(file).size;
      const during = (await c.call('get_storage_info')).result.recordings_size as number;
      assert.ok(during >= before + written, `recordings_size ${during} counts the ${written} bytes written so far (was ${before})`);
      await c.call('stop_recording', { device: 'camera0' });
    } finally {
      c.ws.close();
    }
  });

  it('take_snapshot: an existing filename is overwritten; png accepts quality 0; jpeg needs 1-100', async () => {
    const c = await rawClient(svc, 'operator');
    try {
      const first = await c.call('take_snapshot', { device: 'camera0', filename: 'same.jpg' });
      assert.equal(first.result.status, 'SUCCESS');
      const second = await c.call('take_snapshot', { device: 'camera0', filename: 'same.jpg', quality: 20 });
      assert.equal(second.result?.status, 'SUCCESS', JSON.stringify(second));
      assert.equal(statSync(join(svc.dir, 'snapshots', 'same.jpg')).size, second.result.file_size, 'the file is the second snapshot');
      assert.deepEqual(readdirSync(join(svc.dir, 'snapshots')).filter((n) => n.startsWith('same')), ['same.jpg']);
      const png = await c.call('take_snapshot', { device: 'camera0', format: 'png', quality: 0 });
      assert.equal(png.result?.status, 'SUCCESS', JSON.stringify(png));
      const jpeg0 = await c.call('take_snapshot', { device: 'camera0', format: 'jpg', quality: 0 });
      assert.deepEqual([jpeg0.error?.code, jpeg0.error?.data.param], [-32602, 'quality']);
    } finally {
      c.ws.close();
    }
  });

  it('-32010 messages name what is missing', async () => {
    const c = await rawClient(svc, 'admin');
    try {
      assert.equal((await c.call('get_camera_status', { device: 'camera9' })).error.message, 'Camera not found');
      assert.equal((await c.call('get_recording_info', { filename: 'camera0_2026-01-01_00-00-00.mp4' })).error.message, 'Recording not found');
      assert.equal((await c.call('get_snapshot_info', { filename: 'nope.jpg' })).error.message, 'Snapshot not found');
    } finally {
      c.ws.close();
    }
  });
});
