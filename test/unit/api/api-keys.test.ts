import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { generateKey, hashSecret, looksLikeApiKey, parseKey, verifySecret } from '../../../src/api/auth/api-key-format.js';
import { ApiKeyStore } from '../../../src/api/auth/key-store.js';
import { runKeysCommand } from '../../../src/api/auth/keys-cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'keys-'));
/** The store's watcher does not keep a process alive (the daemon's server does); a test must. */
async function keptAlive<T>(fn: () => Promise<T>): Promise<T> {
  const keep = setInterval(() => undefined, 60_000);
  try {
    return await fn();
  } finally {
    clearInterval(keep);
  }
}

describe('API key form and hashing', () => {
  it('keys have a recognizable prefix, an id and a 256-bit secret, and are never JWT-shaped', () => {
    const k = generateKey();
    assert.match(k.key, /^csk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    assert.ok(looksLikeApiKey(k.key));
    assert.ok(!looksLikeApiKey('eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ.sig'));
    assert.deepEqual(parseKey(k.key), { id: k.id, secret: k.secret });
    assert.equal(parseKey('csk_short_x'), undefined);
    assert.equal(parseKey(`${k.key}x`), undefined);
    assert.notEqual(generateKey().key, k.key);
  });

  it('stores a salted scrypt hash that verifies only the right secret', async () => {
    const { secret } = generateKey();
    const h1 = await hashSecret(secret);
    const h2 = await hashSecret(secret);
    assert.match(h1, /^scrypt\$2048\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]{43}$/);
    assert.notEqual(h1, h2, 'salted');
    assert.ok(!h1.includes(secret));
    assert.equal(await verifySecret(secret, h1), true);
    assert.equal(await verifySecret(secret, h2), true);
    assert.equal(await verifySecret(`${secret.slice(0, -1)}A`, h1), secret.endsWith('A'));
    assert.equal(await verifySecret(secret, 'plain'), false);
    assert.equal(await verifySecret(secret, h1.replace('$2048$', '$1048576000$')), false, 'absurd parameters are refused');
  });
});

describe('API key store', () => {
  it('create → check → revoke; the file holds no secret and is private', async () => {
    const dir = tmp();
    const store = ApiKeyStore.inStateDir(join(dir, 'state'));
    const { key, info } = await store.create({ role: 'operator', label: 'dashboard' });
    assert.equal(info.role, 'operator');
    assert.equal(info.expires_at, null);
    const file = readFileSync(store.file, 'utf8');
    assert.ok(!file.includes(parseKey(key)!.secret));
    assert.equal(statSync(store.file).mode & 0o777, 0o600);
    assert.deepEqual(await store.check(key), { ok: true, key: info });
    assert.deepEqual(await store.check(key.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a'))), { ok: false, reason: 'unknown or revoked API key' });
    assert.deepEqual(await store.check('csk_nope'), { ok: false, reason: 'malformed API key' });
    // Another process (the CLI) sees the same file.
    assert.deepEqual(new ApiKeyStore(store.file).load().list(), [info]);
    assert.equal(store.revoke(info.id), true);
    assert.equal(store.revoke(info.id), false);
    assert.deepEqual(await store.check(key), { ok: false, reason: 'unknown or revoked API key' });
  });

  it('expired keys are refused', async () => {
    const store = ApiKeyStore.inStateDir(tmp());
    const now = Date.parse('2026-01-01T00:00:00Z');
    const { key, info } = await store.create({ role: 'viewer', expiresInS: 60 }, now);
    assert.equal(info.expires_at, '2026-01-01T00:01:00.000Z');
    assert.equal((await store.check(key, now + 59_000)).ok, true);
    assert.deepEqual(await store.check(key, now + 60_000), { ok: false, reason: 'API key expired' });
  });

  it('a key another writer (the CLI) has just created is accepted at once, before any watch event', async () => {
    const dir = tmp();
    const daemon = ApiKeyStore.inStateDir(dir).load();
    const { key, info } = await ApiKeyStore.inStateDir(dir).create({ role: 'admin', expiresInS: 3600 });
    assert.deepEqual(await daemon.check(key), { ok: true, key: info });
    assert.ok(daemon.has(info.id));
  });

  it('a watching store emits change when another writer revokes a key', () => keptAlive(async () => {
    const dir = tmp();
    const daemon = ApiKeyStore.inStateDir(dir);
    const cli = ApiKeyStore.inStateDir(dir);
    const { info } = await cli.create({ role: 'admin' });
    daemon.load();
    daemon.watch();
    try {
      assert.ok(daemon.has(info.id));
      const changed = once(daemon, 'change');
      cli.revoke(info.id);
      await changed;
      assert.ok(!daemon.has(info.id));
    } finally {
      daemon.close();
    }
  }));

  it('a malformed store fails closed when reloaded', () => keptAlive(async () => {
    const dir = tmp();
    const daemon = ApiKeyStore.inStateDir(dir);
    const { key } = await daemon.create({ role: 'admin' });
    daemon.watch();
    try {
      const errored = once(daemon, 'error');
      writeFileSync(daemon.file, '{ not json');
      await errored;
      assert.equal((await daemon.check(key)).ok, false);
    } finally {
      daemon.close();
    }
  }));
});

describe('keys CLI', () => {
  const run = async (statePath: string, o: { args: string[]; role?: string; label?: string; expiresIn?: string; json?: boolean }) => {
    let out = '';
    let err = '';
    const code = await runKeysCommand({ statePath, ...o }, { out: (t) => (out += t), err: (t) => (err += t) });
    return { code, out, err };
  };

  it('create prints the key once; list shows it without secrets; revoke removes it', async () => {
    const dir = tmp();
    const created = await run(dir, { args: ['create'], role: 'viewer', label: 'kiosk', expiresIn: '3600', json: true });
    assert.equal(created.code, 0, created.err);
    const c = JSON.parse(created.out) as { id: string; key: string; role: string; label: string; expires_at: string };
    assert.match(c.key, /^csk_/);
    assert.equal(c.role, 'viewer');
    assert.equal(c.label, 'kiosk');
    assert.ok(Date.parse(c.expires_at) > Date.now());
    const plain = await run(dir, { args: ['create'], role: 'admin' });
    assert.match(plain.out, /^csk_\S+\n$/);
    assert.match(plain.err, /shown only once/);
    const listed = await run(dir, { args: ['list'], json: true });
    const keys = JSON.parse(listed.out) as { id: string }[];
    assert.equal(keys.length, 2);
    assert.ok(!listed.out.includes(c.key.slice(17)) && !listed.out.includes('hash'));
    assert.match((await run(dir, { args: ['list'] })).out, /^ID\s+ROLE\s+CREATED\s+EXPIRES\s+LABEL\n/);
    assert.deepEqual(JSON.parse((await run(dir, { args: ['revoke', c.id], json: true })).out), { id: c.id, revoked: true });
    assert.equal((await run(dir, { args: ['revoke', c.id] })).code, 1);
    assert.equal((JSON.parse((await run(dir, { args: ['list'], json: true })).out) as unknown[]).length, 1);
  });

  it('usage errors exit 2', async () => {
    const dir = tmp();
    assert.equal((await run(dir, { args: ['create'], role: 'root' })).code, 2);
    assert.equal((await run(dir, { args: ['create'], role: 'viewer', expiresIn: '-5' })).code, 2);
    assert.equal((await run(dir, { args: ['revoke'] })).code, 2);
    assert.equal((await run(dir, { args: ['frobnicate'] })).code, 2);
    assert.equal((await run(dir, { args: [] })).code, 2);
  });
});
