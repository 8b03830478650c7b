/**
 * Credentials against the real daemon: API keys made and revoked with the CLI while the
 * daemon runs, and JWTs verified with a configured public key.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { CameraServiceClient, RpcCallError } from '../../../src/client/index.js';
import { MAIN, SECRET, startService } from '../../helpers/service.js';

const cli = (config: string, ...args: string[]) => {
  const r = spawnSync(process.execPath, [MAIN, 'keys', ...args, '--config', config], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: RpcCallError) => e);

describe('API keys with a running daemon', () => {
  it('create → authenticate → revoke → the next call answers -32001', async (t) => {
    const svc = await startService();
    t.after(() => svc.stop());
    const config = join(svc.dir, 'config.yaml');
    const created = cli(config, 'create', '--role', 'operator', '--label', 'integration', '--json');
    assert.equal(created.code, 0, created.err);
    const key = JSON.parse(created.out) as { id: string; key: string };
    const other = JSON.parse(cli(config, 'create', '--role', 'viewer', '--json').out) as { id: string; key: string };

    const c = await CameraServiceClient.connect(svc.wsUrl);
    const auth = await c.authenticate(key.key);
    assert.deepEqual([auth.role, auth.expires_at], ['operator', null]);
    const bystander = await CameraServiceClient.connect(svc.wsUrl);
    await bystander.authenticate(other.key);
    assert.ok(Array.isArray((await c.call('get_camera_list')).cameras));

    const listed = JSON.parse(cli(config, 'list', '--json').out) as { id: string }[];
    assert.deepEqual(listed.map((k) => k.id).sort(), [key.id, other.id].sort());

    const t0 = Date.now();
    const noticed = svc.waitForLog((l) => l.msg === 'API key store changed' && l.sessionsEnded === 1, 5000);
    assert.equal(cli(config, 'revoke', key.id).code, 0);
    await noticed;
    t.diagnostic(`revocation reached the daemon ${Date.now() - t0} ms after the CLI started`);
    const e = await failure(c.call('get_camera_list'));
    assert.equal(e?.code, -32001);
    assert.match(String(e.data?.reason), /revoked/);
    assert.ok(Array.isArray((await bystander.call('get_camera_list')).cameras), 'other keys keep working');
    const again = await failure(CameraServiceClient.connect(svc.wsUrl).then((x) => x.authenticate(key.key)));
    assert.equal(again?.code, -32001);
    await Promise.all([c.close(), bystander.close()]);
  });

  it('a key with --expires-in: the session expires with the key', async (t) => {
    const svc = await startService();
    t.after(() => svc.stop());
    const created = JSON.parse(cli(join(svc.dir, 'config.yaml'), 'create', '--role', 'admin', '--expires-in', '3600', '--json').out) as { key: string; expires_at: string };
    const c = await CameraServiceClient.connect(svc.wsUrl);
    const auth = await c.authenticate(created.key);
    assert.equal(auth.expires_at, created.expires_at);
    assert.equal((await c.call('get_status')).components.websocket_server, 'RUNNING');
    await c.close();
  });
});

describe('asymmetric JWTs', () => {
  it('ES256 tokens verify with jwt_public_key_file; HS256 still works; check-config refuses a missing key', async (t) => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const dir = mkdtempSync(join(tmpdir(), 'jwt-key-'));
    const pem = join(dir, 'jwt.pub.pem');
    writeFileSync(pem, await exportSPKI(publicKey));
    const withKey = await startService({ security: { jwt_algorithms: ['HS256', 'ES256'], jwt_public_key_file: pem } });
    t.after(() => withKey.stop());
    const token = await new SignJWT({ role: 'admin', user_id: 'idp-alice' }).setProtectedHeader({ alg: 'ES256' }).setIssuedAt().setExpirationTime('10m').sign(privateKey);
    const c = await CameraServiceClient.connect(withKey.wsUrl);
    assert.equal((await c.authenticate(token)).role, 'admin');
    assert.equal((await c.authenticate(await withKey.token('viewer'))).role, 'viewer');
    const forged = await new SignJWT({ role: 'admin', user_id: 'mallory' })
      .setProtectedHeader({ alg: 'ES256' })
      .setExpirationTime('10m')
      .sign((await generateKeyPair('ES256')).privateKey);
    assert.equal((await failure(c.authenticate(forged)))?.code, -32001);
    await c.close();

    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, `security:\n  jwt_secret: "${'s'.repeat(32)}"\n  jwt_algorithms: [RS256]\n`);
    const r = spawnSync(process.execPath, [MAIN, 'check-config', '--config', bad], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /security\.jwt_public_key_file: is required when security\.jwt_algorithms lists RS256/);
  });

  it('tokens issued a year ahead or valid for a century are refused (-32001); the token command refuses such a --ttl (issue 15 defect 10)', async (t) => {
    const svc = await startService({ security: { jwt_max_lifetime_s: 86400 } });
    t.after(() => svc.stop());
    const key = new TextEncoder().encode(SECRET);
    const now = Math.floor(Date.now() / 1000);
    const future = await new SignJWT({ role: 'admin', user_id: 'u' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt(now + 365 * 86400).setExpirationTime(now + 366 * 86400).sign(key);
    const century = await new SignJWT({ role: 'admin', user_id: 'u' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt(now).setExpirationTime(now + 100 * 365 * 86400).sign(key);
    const c = await CameraServiceClient.connect(svc.wsUrl);
    t.after(() => c.close());
    const f1 = await failure(c.authenticate(future));
    assert.equal(f1?.code, -32001);
    const f2 = await failure(c.authenticate(century));
    assert.equal(f2?.code, -32001);
    assert.equal((await c.authenticate(await svc.token('viewer', 86400))).role, 'viewer', 'the maximum itself is fine');
    const r = spawnSync(process.execPath, [MAIN, 'token', '--role', 'viewer', '--ttl', '86401', '--config', join(svc.dir, 'config.yaml')], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--ttl must be at most security\.jwt_max_lifetime_s \(86400 s\)/);
  });
});
