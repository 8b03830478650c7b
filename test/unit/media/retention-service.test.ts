import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pino from 'pino';
import { MediaLibrary } from '../../../src/media/library.js';
import { PolicyStore, RetentionService, type CleanupResult } from '../../../src/media/retention-service.js';
import type { RetentionPolicy } from '../../../src/media/retention.js';

const DAY = 86_400_000;
const log = pino({ level: 'silent' });
const INITIAL: RetentionPolicy = { policy_type: 'manual', enabled: false, max_age_days: 30, max_size_gb: 1 };

function setUp() {
  const dir = mkdtempSync(join(tmpdir(), 'retention-'));
  const dirs = { recordings: join(dir, 'recordings'), snapshots: join(dir, 'snapshots') };
  for (const d of Object.values(dirs)) mkdirSync(d);
  const put = (kind: 'recordings' | 'snapshots', name: string, ageDays: number) => {
    const f = join(dirs[kind], name);
    writeFileSync(f, 'x'.repeat(10));
    const at = new Date(Date.now() - ageDays * DAY);
    utimesSync(f, at, at);
  };
  const library = new MediaLibrary(dirs, async () => null);
  return { dir, dirs, put, library, store: new PolicyStore(join(dir, 'state', 'retention-policy.json'), INITIAL) };
}

describe('retention service', () => {
  it('the policy is stored and read back by a new instance; until then the configured one applies', (t) => {
    const { dir, store } = setUp();
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    assert.deepEqual(store.load(), INITIAL);
    const policy: RetentionPolicy = { policy_type: 'age', enabled: true, max_age_days: 7, max_size_gb: null };
    store.save(policy);
    assert.deepEqual(JSON.parse(readFileSync(store.file, 'utf8')), policy);
    assert.deepEqual(new PolicyStore(store.file, INITIAL).load(), policy);
    // Issue 15: an unusable file no longer stops the service (test/unit/lib/state-files.test.ts).
    writeFileSync(store.file, '{broken');
    const lines: string[] = [];
    assert.deepEqual(new PolicyStore(store.file, INITIAL, { error: (_o, m) => lines.push(m) }).load(), INITIAL);
    assert.match(lines.join('\n'), /retention-policy\.json is unusable/);
  });

  it('scheduled cleanup under an age policy deletes old files of both kinds, never a busy one', async (t) => {
    const { dir, dirs, put, library, store } = setUp();
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    put('recordings', 'old.mp4', 20);
    put('recordings', 'old-busy.mp4', 20);
    put('recordings', 'new.mp4', 1);
    put('snapshots', 'old.jpg', 15);
    library.addBusyCheck((kind, name) => kind === 'recordings' && name === 'old-busy.mp4');
    store.save({ policy_type: 'age', enabled: true, max_age_days: 10, max_size_gb: null });
    let resolveDeleted!: (r: CleanupResult) => void;
    const deleted = new Promise<CleanupResult>((r) => (resolveDeleted = r));
    const service = new RetentionService(store, library, 20, log, resolveDeleted);
    service.start();
    t.after(() => service.stop());
    // The service's timer does not keep the process alive (unref); this one does while we wait.
    const alive = setInterval(() => undefined, 1000);
    const r = await deleted.finally(() => clearInterval(alive));
    assert.deepEqual(r.deleted.map((f) => `${f.kind}/${f.name}`).sort(), ['recordings/old.mp4', 'snapshots/old.jpg']);
    assert.deepEqual([r.files_deleted, r.space_freed], [2, 20]);
    assert.deepEqual(readdirSync(dirs.recordings).sort(), ['new.mp4', 'old-busy.mp4']);
  });

  it('manual: nothing on schedule, limits applied on demand; disabled: nothing at all', async (t) => {
    const { dir, put, library, store } = setUp();
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    put('recordings', 'a.mp4', 40);
    const service = new RetentionService(store, library, 3_600_000, log);
    assert.equal((await service.run('on_demand')).cleanup_executed, false, 'disabled');
    service.setPolicy({ policy_type: 'manual', enabled: true, max_age_days: 30, max_size_gb: null });
    const scheduled = await service.run('scheduled');
    assert.deepEqual([scheduled.cleanup_executed, scheduled.files_deleted], [false, 0]);
    const now = await service.run('on_demand');
    assert.deepEqual([now.cleanup_executed, now.files_deleted], [true, 1]);
  });
});
