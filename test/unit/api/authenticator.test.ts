import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Authenticator } from '../../../src/api/auth/authenticator.js';
import { JwtVerifier, mintToken } from '../../../src/api/auth/jwt.js';
import { ApiKeyStore } from '../../../src/api/auth/key-store.js';
import type { Session } from '../../../src/api/session.js';

const SECRET = 'k'.repeat(40);
const store = ApiKeyStore.inStateDir(mkdtempSync(join(tmpdir(), 'auth-')));
const auth = new Authenticator(new JwtVerifier(SECRET, ['HS256']), store);
let server: http.Server;
let base = '';

before(async () => {
  // A route written the way a files route would use the helper.
  server = http.createServer(async (req: IncomingMessage, res) => {
    const who = await auth.requireHttp(req, res, req.url === '/admin' ? 'admin' : 'viewer');
    if (!who) return;
    res.end(JSON.stringify({ role: who.role, method: who.method }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

describe('authenticator', () => {
  it('tells API keys from JWTs by form and verifies each', async () => {
    const { key, info } = await store.create({ role: 'operator', label: 'cam wall' });
    const k = await auth.authenticate(key);
    assert.deepEqual({ role: k.role, method: k.method, keyId: k.keyId, expiresAt: k.expiresAt }, { role: 'operator', method: 'api_key', keyId: info.id, expiresAt: Infinity });
    const j = await auth.authenticate(await mintToken(SECRET, { role: 'viewer', user_id: 'u' }, 60));
    assert.deepEqual({ role: j.role, method: j.method, keyId: j.keyId }, { role: 'viewer', method: 'jwt', keyId: undefined });
    await assert.rejects(auth.authenticate('csk_0123456789ab_' + 'A'.repeat(43)), /unknown or revoked/);
    await assert.rejects(auth.authenticate('not-a-token'), /malformed/);
  });

  it('HTTP: X-API-Key or Authorization Bearer (JWT or key); 401 without or with bad credentials, 403 below the role', async () => {
    const { key } = await store.create({ role: 'viewer' });
    const jwt = await mintToken(SECRET, { role: 'admin', user_id: 'u' }, 60);
    const get = (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers });
    assert.deepEqual(await (await get('/f', { 'x-api-key': key })).json(), { role: 'viewer', method: 'api_key' });
    assert.deepEqual(await (await get('/f', { authorization: `Bearer ${key}` })).json(), { role: 'viewer', method: 'api_key' });
    assert.deepEqual(await (await get('/admin', { authorization: `Bearer ${jwt}` })).json(), { role: 'admin', method: 'jwt' });
    const none = await get('/f');
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.equal((await get('/f', { 'x-api-key': `${key}x` })).status, 401);
    assert.equal((await get('/f', { authorization: 'Basic abc' })).status, 401);
    const low = await get('/admin', { 'x-api-key': key });
    assert.equal(low.status, 403);
    assert.match(((await low.json()) as { reason: string }).reason, /admin/);
  });

  it('ends the authentication of sessions whose key was revoked, and only those', async () => {
    const a = await store.create({ role: 'admin' });
    const b = await store.create({ role: 'admin' });
    const session = (keyId?: string): Session => ({
      id: keyId ?? 'jwt',
      remote: '127.0.0.1',
      auth: { role: 'admin', userId: 'u', expiresAt: Infinity, method: keyId ? 'api_key' : 'jwt', ...(keyId ? { keyId } : {}) },
    });
    const sessions = [session(a.info.id), session(b.info.id), session()];
    store.revoke(a.info.id);
    assert.equal(auth.endRevokedSessions(sessions), 1);
    assert.equal(sessions[0]!.auth, undefined);
    assert.match(sessions[0]!.authEnded!, /revoked/);
    assert.ok(sessions[1]!.auth && sessions[2]!.auth);
  });
});
