/**
 * Every JSON state file of the service goes through src/lib/state-file.ts: an empty, truncated,
 * garbage or wrong-shape file is moved aside with a timestamp, named in one log line with what
 * was lost, and the service goes on with a safe default (issue 15 defect 13); writes are atomic.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { ApiKeyStore } from '../../../src/api/auth/key-store.js';
import { CameraIdStore } from '../../../src/cameras/id-store.js';
import { SettingsStore } from '../../../src/cameras/settings/store.js';
import { t } from '../../../src/lib/schema.js';
import { loadStateFile, parseState, quarantineName, writeStateFile, type StateFileLog } from '../../../src/lib/state-file.js';
import { RecordingJournal, type JournalEntry } from '../../../src/media/journal.js';
import { PolicyStore } from '../../../src/media/retention-service.js';
import { ExternalStreams } from '../../../src/external/external-streams.js';

const BAD: Record<string, string> = {
  empty: '',
  truncated: '{"version":1,"came',
  garbage: '\u0000\u0001garbage\u00ff',
  null: 'null',
  'wrong shape': '{"version":1,"cameras":{"id":"camera0"},"streams":"x","keys":5,"policy_type":"forever"}',
  array: '[1,2,3]',
};

function recorder(): StateFileLog & { lines: { obj: Record<string, unknown>; msg: string }[] } {
  const lines: { obj: Record<string, unknown>; msg: string }[] = [];
  return { lines, error: (obj, msg) => void lines.push({ obj: obj as Record<string, unknown>, msg }) };
}

function scratch(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'state-files-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The file is gone from its name, one `.corrupt-` copy holds the old bytes, one log line names both. */
function assertQuarantined(dir: string, name: string, text: string, log: ReturnType<typeof recorder>): void {
  assert.equal(existsSync(join(dir, name)), false, `${name} moved away`);
  const aside = readdirSync(dir).filter((n) => n.startsWith(`${name}.corrupt-`));
  assert.equal(aside.length, 1, `one quarantined copy of ${name}: ${readdirSync(dir).join(', ')}`);
  assert.equal(readFileSync(join(dir, aside[0]!), 'utf8'), text, 'the old bytes are kept');
  assert.equal(log.lines.length, 1, 'one log line');
  assert.ok(log.lines[0]!.msg.includes(join(dir, name)), `the line names the file: ${log.lines[0]!.msg}`);
  assert.ok(log.lines[0]!.msg.includes(aside[0]!), 'and where it went');
  assert.ok(typeof log.lines[0]!.obj.lost === 'string' && log.lines[0]!.msg.includes(log.lines[0]!.obj.lost as string), 'and what was lost');
}

describe('state file helper', () => {
  const schema = t.object({ items: t.array(t.integer()) });

  it('parseState names the problem: empty, not JSON, wrong shape', () => {
    assert.deepEqual(parseState('', schema), { ok: false, problem: 'the file is empty' });
    assert.match((parseState('{"items":[1,', schema) as { problem: string }).problem, /^not valid JSON/);
    assert.deepEqual(parseState('{"items":[1,"x"]}', schema), { ok: false, problem: 'wrong shape: items.1 must be an integer, got string' });
    assert.deepEqual(parseState('null', schema), { ok: false, problem: 'wrong shape: the document must be an object, got null' });
    assert.deepEqual(parseState('{"items":[1]}', schema), { ok: true, value: { items: [1] } });
  });

  it('a missing file is the default without a log line; a written file reads back; no temporary is left', (t) => {
    const dir = scratch(t);
    const log = recorder();
    const file = join(dir, 'sub', 's.json');
    assert.deepEqual(loadStateFile(file, { schema, fallback: () => ({ items: [] }), holds: 'items', log }), { value: { items: [] }, status: 'missing' });
    writeStateFile(file, { items: [1, 2] });
    assert.deepEqual(loadStateFile(file, { schema, fallback: () => ({ items: [] }), holds: 'items', log }).value, { items: [1, 2] });
    assert.deepEqual(readdirSync(join(dir, 'sub')), ['s.json']);
    assert.equal(log.lines.length, 0);
  });

  it('quarantine names carry a UTC timestamp usable in a file name', () => {
    assert.equal(quarantineName('/s/a.json', new Date('2026-01-15T14:30:00.123Z')), '/s/a.json.corrupt-2026-01-15T14-30-00-123Z');
  });
});

describe('each state file: truncated, garbage, wrong shape → the service goes on, the file is quarantined and named', () => {
  for (const [kind, text] of Object.entries(BAD)) {
    it(`camera-ids.json, ${kind}: no ids remembered; new cameras get ids`, (t) => {
      const dir = scratch(t);
      writeFileSync(join(dir, 'camera-ids.json'), text);
      const log = recorder();
      const store = new CameraIdStore(join(dir, 'camera-ids.json'), log);
      assert.deepEqual(store.entries(), []);
      assertQuarantined(dir, 'camera-ids.json', text, log);
      assert.equal(store.assign([{ identity: 'usb:1', name: 'x' }]).get('usb:1'), 'camera0');
      assert.ok(existsSync(join(dir, 'camera-ids.json')), 'a fresh file is written');
    });

    it(`external-streams.json, ${kind}: no external stream`, async (t) => {
      const dir = scratch(t);
      writeFileSync(join(dir, 'external-streams.json'), text);
      const log = recorder();
      const mediamtx = { listPaths: async () => [] };
      const ext = new ExternalStreams({ file: join(dir, 'external-streams.json'), log: log as never, reconciler: {} as never, mediamtx: mediamtx as never, discovery: {} as never, intervalS: 0 });
      assert.deepEqual(await ext.list(), []);
      assertQuarantined(dir, 'external-streams.json', text, log);
    });

    it(`retention-policy.json, ${kind}: the configured policy`, (t) => {
      const dir = scratch(t);
      writeFileSync(join(dir, 'retention-policy.json'), text);
      const log = recorder();
      const initial = { policy_type: 'age' as const, enabled: true, max_age_days: 3, max_size_gb: null };
      assert.deepEqual(new PolicyStore(join(dir, 'retention-policy.json'), initial, log).load(), initial);
      assertQuarantined(dir, 'retention-policy.json', text, log);
    });

    it(`camera-settings.json, ${kind}: no saved camera settings`, (t) => {
      const dir = scratch(t);
      writeFileSync(join(dir, 'camera-settings.json'), text);
      const log = recorder();
      const store = new SettingsStore(join(dir, 'camera-settings.json'), log);
      assert.deepEqual(store.get('usb:1'), { controls: {} });
      assertQuarantined(dir, 'camera-settings.json', text, log);
    });

    it(`api-keys.json, ${kind}: no key is accepted`, (t) => {
      const dir = scratch(t);
      writeFileSync(join(dir, 'api-keys.json'), text);
      const log = recorder();
      const store = ApiKeyStore.inStateDir(dir).loadAtStart(log);
      assert.deepEqual(store.list(), []);
      assertQuarantined(dir, 'api-keys.json', text, log);
    });

    it(`recording journal entry, ${kind}: set aside, nothing recovered from it`, (t) => {
      const dir = scratch(t);
      writeFileSync(join(dir, 'camera0_2026-01-15_14-30-00.json'), text);
      const log = recorder();
      const r = new RecordingJournal(dir).list(log);
      assert.deepEqual(r, { entries: [], unreadable: ['camera0_2026-01-15_14-30-00.json'] });
      assertQuarantined(dir, 'camera0_2026-01-15_14-30-00.json', text, log);
    });
  }

  it('journal entries that lead outside the recordings folder are set aside before anything is touched (defect 9)', (t) => {
    const dir = scratch(t);
    const journalDir = join(dir, 'recordings');
    mkdirSync(journalDir);
    const good: JournalEntry = { camera: 'camera0', base: 'camera0_2026-01-15_14-30-00', ext: 'mp4', format: 'fmp4', startedAt: 1, state: 'recording' };
    writeFileSync(join(journalDir, `${good.base}.json`), JSON.stringify(good));
    const unsafe: Record<string, unknown> = {
      'x.json': { ...good, base: '../api-keys' },
      'y.json': { ...good, base: 'y', camera: 'camera0' },
      'camera0_a.json': { ...good, base: 'camera0_a/../../b' },
      '.hidden.json': { ...good, base: '.hidden' },
      'camera1_2026-01-15_14-30-00.json': { ...good, base: 'camera1_2026-01-15_14-30-00' },
    };
    for (const [name, e] of Object.entries(unsafe)) writeFileSync(join(journalDir, name), JSON.stringify(e));
    const log = recorder();
    const journal = new RecordingJournal(journalDir);
    const r = journal.list(log);
    assert.deepEqual(r.entries, [good]);
    assert.deepEqual(new Set(r.unreadable), new Set(Object.keys(unsafe)));
    assert.equal(log.lines.length, Object.keys(unsafe).length, 'one line per entry set aside');
    assert.throws(() => journal.remove('../api-keys'), /single path component/);
  });
});
