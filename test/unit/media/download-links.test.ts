import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkSignedPath, DownloadLinks, hasSignature, signPath } from '../../../src/media/download-links.js';

const SECRET = Buffer.alloc(32, 7);
const PATH = '/files/recordings/camera0_2026-01-05_04-03-02.mp4';
const NOW = 1_767_000_000;

function split(url: string): [string, URLSearchParams] {
  const [path, query] = url.split('?') as [string, string];
  return [path, new URLSearchParams(query)];
}

describe('signed download links', () => {
  it('a link verifies for its own path until it expires, with the role it was issued for', () => {
    const [path, q] = split(signPath(SECRET, PATH, 'operator', NOW + 900));
    assert.equal(path, PATH);
    assert.deepEqual([...q.keys()], ['exp', 'role', 'sig']);
    assert.deepEqual(checkSignedPath(SECRET, path, q, NOW), { ok: true, role: 'operator' });
    assert.deepEqual(checkSignedPath(SECRET, path, q, NOW + 899), { ok: true, role: 'operator' });
  });

  it('expired: refused at and after exp', () => {
    const [path, q] = split(signPath(SECRET, PATH, 'viewer', NOW + 10));
    const r = checkSignedPath(SECRET, path, q, NOW + 10);
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.reason : '', /expired/);
  });

  it('another file, a changed expiry or role, a foreign secret or a mangled signature: refused', () => {
    const [path, q] = split(signPath(SECRET, PATH, 'viewer', NOW + 900));
    const variants: [string, string, URLSearchParams, Buffer][] = [
      ['other file', '/files/recordings/camera1_2026-01-05_04-03-02.mp4', q, SECRET],
      ['other kind', PATH.replace('recordings', 'snapshots'), q, SECRET],
      ['later exp', path, new URLSearchParams({ exp: String(NOW + 9000), role: 'viewer', sig: q.get('sig')! }), SECRET],
      ['raised role', path, new URLSearchParams({ exp: q.get('exp')!, role: 'admin', sig: q.get('sig')! }), SECRET],
      ['other secret', path, q, Buffer.alloc(32, 8)],
      ['short sig', path, new URLSearchParams({ exp: q.get('exp')!, role: 'viewer', sig: q.get('sig')!.slice(0, 10) }), SECRET],
    ];
    for (const [what, p, params, secret] of variants) {
      const r = checkSignedPath(secret, p, params, NOW);
      assert.equal(r.ok, false, what);
      assert.match(!r.ok ? r.reason : '', /signature does not match/, what);
    }
  });

  it('malformed or partial parameters are refused with a reason', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ exp: '1', role: 'viewer' }, /needs exp, role and sig/],
      [{ exp: '-1', role: 'viewer', sig: 'x' }, /Unix time/],
      [{ exp: '1e9', role: 'viewer', sig: 'x' }, /Unix time/],
      [{ exp: '1', role: 'root', sig: 'x' }, /not a role/],
    ];
    for (const [q, reason] of cases) {
      const r = checkSignedPath(SECRET, PATH, new URLSearchParams(q), NOW);
      assert.equal(r.ok, false);
      assert.match(!r.ok ? r.reason : '', reason, JSON.stringify(q));
    }
  });

  it('hasSignature: any of exp, role, sig makes the signature decide', () => {
    assert.equal(hasSignature(new URLSearchParams('')), false);
    assert.equal(hasSignature(new URLSearchParams('x=1')), false);
    for (const k of ['exp', 'role', 'sig']) assert.equal(hasSignature(new URLSearchParams(`${k}=1`)), true);
  });

  it('DownloadLinks: issued for at least lifetimeS from now (rounded up to a step of lifetime/10, at most 60 s), checked against its clock', () => {
    let now = NOW * 1000;
    const links = new DownloadLinks(900, () => now, SECRET);
    const url = links.sign(PATH, 'viewer');
    const [path, q] = split(url);
    const exp = Number(q.get('exp'));
    assert.ok(exp >= NOW + 900 && exp < NOW + 900 + 60 && exp % 60 === 0, String(exp - NOW));
    assert.equal(links.check(path, q).ok, true);
    // Every issue within one step gives the same link (its signature computed once); the next step a later one.
    now = (exp - 959) * 1000;
    assert.equal(links.sign(PATH, 'viewer'), url);
    now = (exp - 900) * 1000;
    assert.equal(links.sign(PATH, 'viewer'), url);
    assert.notEqual(links.sign(PATH, 'admin'), url, 'another role, another link');
    now = (exp - 899) * 1000;
    assert.equal(Number(split(links.sign(PATH, 'viewer'))[1].get('exp')), exp + 60);
    // Issued a fraction of a second into the second that leaves exactly lifetimeS: that would be
    // 0.999 s short, so it is the next step's link.
    now = (exp - 900) * 1000 + 999;
    assert.equal(Number(split(links.sign(PATH, 'viewer'))[1].get('exp')), exp + 60, 'never valid for less than lifetimeS');
    now = exp * 1000;
    assert.equal(links.check(path, q).ok, false, 'expired at exp');
    // Another run (another secret) does not accept it.
    assert.equal(new DownloadLinks(900, () => NOW * 1000).check(path, q).ok, false);
  });
});
