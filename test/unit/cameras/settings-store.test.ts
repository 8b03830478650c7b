// Saved camera settings: per identity, atomic file, merged saves, removals, reload.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SettingsStore } from '../../../src/cameras/settings/store.js';

const dir = mkdtempSync(join(tmpdir(), 'settings-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('SettingsStore', () => {
  it('saves controls and mode per identity, survives a reload, leaves no temp files', () => {
    const file = join(dir, 'state', 'camera-settings.json');
    const s = new SettingsStore(file);
    s.saveControls('usb:046d:082d:ABC', { brightness: 10, gain_automatic: false });
    s.saveControls('usb:046d:082d:ABC', { brightness: 20, contrast: 5 });
    s.saveMode('usb:046d:082d:ABC', { format: 'MJPG', width: 640, height: 480, fps: 30 });
    s.saveControls('bus:platform:vivid-000', { hue: -3 });
    const again = new SettingsStore(file);
    assert.deepEqual(again.get('usb:046d:082d:ABC'), { controls: { brightness: 20, gain_automatic: false, contrast: 5 }, mode: { format: 'MJPG', width: 640, height: 480, fps: 30 } });
    assert.deepEqual(again.get('bus:platform:vivid-000'), { controls: { hue: -3 } });
    assert.deepEqual(again.get('nobody'), { controls: {} });
    assert.deepEqual(readdirSync(join(dir, 'state')), ['camera-settings.json']);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).version, 1);
  });

  it('removes named or all controls and the mode; an empty entry disappears', () => {
    const file = join(dir, 'b.json');
    const s = new SettingsStore(file);
    s.saveControls('k', { a: 1, b: 2, c: 3 });
    assert.deepEqual(s.removeControls('k', ['a', 'x']), ['a']);
    assert.deepEqual(s.removeControls('k'), ['b', 'c']);
    s.saveMode('k', { format: 'YUYV', width: 320, height: 240, fps: 5 });
    assert.equal(s.removeMode('k'), true);
    assert.equal(s.removeMode('k'), false);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')).cameras, {});
  });

  it('a file that is not a settings file is moved aside and named; the store starts empty', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{"keys": []}');
    const lines: string[] = [];
    const s = new SettingsStore(file, { error: (_o, msg) => void lines.push(msg) });
    assert.deepEqual(s.get('k'), { controls: {} });
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /bad\.json is unusable \(wrong shape: cameras/);
    assert.ok(readdirSync(dir).some((n) => n.startsWith('bad.json.corrupt-')));
  });
});
