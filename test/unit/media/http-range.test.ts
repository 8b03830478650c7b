import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentDisposition, contentTypeOf, multipartLayout, parseRange } from '../../../src/media/http-range.js';
import { parseFileTarget } from '../../../src/media/http-files.js';
import { BAD_TARGETS } from './traversal-cases.js';

describe('Range header', () => {
  const size = 1000;
  it('single ranges: start-end, open end, suffix; the end is clamped to the file', () => {
    assert.deepEqual(parseRange('bytes=0-99', size), { kind: 'ranges', ranges: [{ start: 0, end: 99 }] });
    assert.deepEqual(parseRange('bytes=900-', size), { kind: 'ranges', ranges: [{ start: 900, end: 999 }] });
    assert.deepEqual(parseRange('bytes=-100', size), { kind: 'ranges', ranges: [{ start: 900, end: 999 }] });
    assert.deepEqual(parseRange('bytes=-5000', size), { kind: 'ranges', ranges: [{ start: 0, end: 999 }] });
    assert.deepEqual(parseRange('bytes=990-5000', size), { kind: 'ranges', ranges: [{ start: 990, end: 999 }] });
    assert.deepEqual(parseRange('BYTES = 5 - 6', size), { kind: 'ranges', ranges: [{ start: 5, end: 6 }] });
  });

  it('several ranges, keeping the unsatisfiable ones out', () => {
    assert.deepEqual(parseRange('bytes=0-0, 500-501, 2000-3000, -1', size), {
      kind: 'ranges',
      ranges: [{ start: 0, end: 0 }, { start: 500, end: 501 }, { start: 999, end: 999 }],
    });
  });

  it('overlapping and adjacent ranges are coalesced in file order: 16 × "0-" is the file once (issue 15 item 14)', () => {
    assert.deepEqual(parseRange(`bytes=${Array(16).fill('0-').join(',')}`, size), { kind: 'ranges', ranges: [{ start: 0, end: 999 }] });
    assert.deepEqual(parseRange('bytes=500-600, 0-10, 550-700, 11-20, -100', size), {
      kind: 'ranges',
      ranges: [{ start: 0, end: 20 }, { start: 500, end: 700 }, { start: 900, end: 999 }],
    });
  });

  it('nothing satisfiable: 416', () => {
    assert.deepEqual(parseRange('bytes=1000-', size), { kind: 'unsatisfiable' });
    assert.deepEqual(parseRange('bytes=-0', size), { kind: 'unsatisfiable' });
    assert.deepEqual(parseRange('bytes=0-', 0), { kind: 'unsatisfiable' });
  });

  it('absent, malformed, other units or too many ranges: ignored (whole file)', () => {
    for (const h of [undefined, 'items=0-1', 'bytes=', 'bytes=a-b', 'bytes=5-1', 'bytes=-', 'bytes 0-1', `bytes=${'0-0,'.repeat(17)}0-0`, 'bytes=99999999999999999999-']) {
      assert.deepEqual(parseRange(h, size), { kind: 'none' }, String(h));
    }
  });

  it('multipart layout: exact length of the body', () => {
    const ranges = [{ start: 0, end: 9 }, { start: 20, end: 29 }];
    const l = multipartLayout(ranges, 100, 'video/mp4', 'B');
    const body = l.heads[0]! + 'x'.repeat(10) + l.heads[1]! + 'x'.repeat(10) + l.tail;
    assert.equal(l.length, Buffer.byteLength(body));
    assert.match(l.heads[1]!, /^\r\n--B\r\ncontent-type: video\/mp4\r\ncontent-range: bytes 20-29\/100\r\n\r\n$/);
    assert.equal(l.tail, '\r\n--B--\r\n');
  });

  it('content type and disposition', () => {
    assert.equal(contentTypeOf('a.mp4'), 'video/mp4');
    assert.equal(contentTypeOf('a.MKV'), 'video/x-matroska');
    assert.equal(contentTypeOf('a.jpeg'), 'image/jpeg');
    assert.equal(contentTypeOf('a.png'), 'image/png');
    assert.equal(contentTypeOf('a'), 'application/octet-stream');
    assert.equal(contentDisposition('a b.mp4'), `attachment; filename="a b.mp4"; filename*=UTF-8''a%20b.mp4`);
    assert.equal(contentDisposition('é"x\'.jpg'), `attachment; filename="__x'.jpg"; filename*=UTF-8''%C3%A9%22x%27.jpg`);
  });
});

describe('file request targets', () => {
  it('every traversal attempt is 400', () => {
    for (const target of BAD_TARGETS) {
      const r = parseFileTarget(target);
      assert.equal(r.ok, false, target);
      assert.equal(!r.ok && r.status, 400, target);
    }
  });

  it('good targets name a kind and a decoded file name; unknown kinds are 404', () => {
    assert.deepEqual(parseFileTarget('/files/recordings/camera0_2026-01-05_04-03-02.mp4?x=1'), { ok: true, kind: 'recordings', name: 'camera0_2026-01-05_04-03-02.mp4' });
    assert.deepEqual(parseFileTarget('/files/snapshots/my%20clip%20%231.jpg'), { ok: true, kind: 'snapshots', name: 'my clip #1.jpg' });
    const r = parseFileTarget('/files/config/x');
    assert.equal(!r.ok && r.status, 404);
  });
});
