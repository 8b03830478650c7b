import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  defaultSnapshotName,
  downloadUrl,
  fileNameProblem,
  fileTimestamp,
  partName,
  partNumberOf,
  partPattern,
  recordingBase,
  recordingExtension,
  resolveSnapshotName,
} from '../../../src/media/names.js';
import { BAD_NAMES } from './traversal-cases.js';

const AT = new Date('2026-01-05T04:03:02.007Z');

describe('file names', () => {
  it('refuses every traversal attempt and malformed name', () => {
    for (const { name, what } of BAD_NAMES) assert.ok(fileNameProblem(name) !== undefined, `${what}: ${JSON.stringify(name)} accepted`);
    assert.match(fileNameProblem(42) ?? '', /string/);
  });

  it('accepts ordinary names, spaces, unicode and exactly 255 bytes', () => {
    for (const name of ['camera0_2026-01-05_04-03-02.mp4', 'my clip (1).mkv', 'été.jpg', 'a'.repeat(255), 'x..y.png', 'trailing.', '100%.jpg']) {
      assert.equal(fileNameProblem(name), undefined, name);
    }
  });

  it('recording names: <camera>_<YYYY-MM-DD_HH-MM-SS> in UTC, extension by format', () => {
    assert.equal(fileTimestamp(AT), '2026-01-05_04-03-02');
    assert.equal(recordingBase('camera3', AT), 'camera3_2026-01-05_04-03-02');
    assert.equal(recordingBase('camera3', AT, 2), 'camera3_2026-01-05_04-03-02-2');
    assert.deepEqual(['fmp4', 'mp4', 'mkv'].map((f) => recordingExtension(f as 'fmp4')), ['mp4', 'mp4', 'mkv']);
  });

  it('parts: part 1 is the recording itself, later parts are numbered; the muxer pattern matches them', () => {
    const base = 'camera0_2026-01-05_04-03-02';
    assert.equal(partName(base, 'mp4', 1), `${base}.mp4`);
    assert.equal(partName(base, 'mp4', 3), `${base}_part3.mp4`);
    assert.equal(partPattern(base, 'mkv'), `${base}_part%d.mkv`);
    assert.equal(partPattern('50%_x', 'mp4'), '50%%_x_part%d.mp4');
    assert.equal(partNumberOf(`${base}.mp4`, base, 'mp4'), 1);
    assert.equal(partNumberOf(`${base}_part12.mp4`, base, 'mp4'), 12);
    for (const other of [`${base}_part0.mp4`, `${base}_part02.mp4`, `${base}_partx.mp4`, `${base}_part2.mkv`, `${base}-2.mp4`, `camera1_2026-01-05_04-03-02.mp4`]) {
      assert.equal(partNumberOf(other, base, 'mp4'), undefined, other);
    }
  });

  it('snapshot names: default with milliseconds; custom names keep or get an extension; conflicts refused', () => {
    const fallback = (f: 'jpg' | 'jpeg' | 'png') => defaultSnapshotName('camera1', AT, f);
    assert.deepEqual(resolveSnapshotName(undefined, undefined, fallback), { ok: true, name: 'camera1_2026-01-05_04-03-02_007.jpg', format: 'jpg' });
    assert.deepEqual(resolveSnapshotName(undefined, 'png', fallback), { ok: true, name: 'camera1_2026-01-05_04-03-02_007.png', format: 'png' });
    assert.deepEqual(resolveSnapshotName('door', undefined, fallback), { ok: true, name: 'door.jpg', format: 'jpg' });
    assert.deepEqual(resolveSnapshotName('door', 'png', fallback), { ok: true, name: 'door.png', format: 'png' });
    assert.deepEqual(resolveSnapshotName('door.PNG', undefined, fallback), { ok: true, name: 'door.PNG', format: 'png' });
    assert.deepEqual(resolveSnapshotName('door.jpeg', 'jpg', fallback), { ok: true, name: 'door.jpeg', format: 'jpg' });
    assert.equal(resolveSnapshotName('door.jpg', 'png', fallback).ok, false);
    assert.equal(resolveSnapshotName('../door', undefined, fallback).ok, false);
    assert.equal(resolveSnapshotName('a'.repeat(253), 'jpg', fallback).ok, false, 'the appended extension pushes it over 255 bytes');
  });

  it('download URLs carry the name percent-encoded, with its extension', () => {
    assert.equal(downloadUrl('recordings', 'camera0_2026-01-05_04-03-02.mp4'), '/files/recordings/camera0_2026-01-05_04-03-02.mp4');
    assert.equal(downloadUrl('snapshots', 'my clip #1.jpg'), '/files/snapshots/my%20clip%20%231.jpg');
  });
});
