import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it, mock } from 'node:test';
import { JwtVerifier, mintToken, tokenTimeProblem, TokenRejected } from '../../../src/api/auth/jwt.js';

const SECRET = 'k'.repeat(40);
const verifier = new JwtVerifier(SECRET, ['HS256']);
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
function sign(header: object, payload: object, secret = SECRET, alg = 'sha256'): string {
  const head = `${b64(header)}.${b64(payload)}`;
  return `${head}.${createHmac(alg, secret).update(head).digest('base64url')}`;
}
const now = () => Math.floor(Date.now() / 1000);

async function rejected(token: string, reason: RegExp): Promise<void> {
  await assert.rejects(verifier.verify(token), (err: unknown) => err instanceof TokenRejected && reason.test(err.message));
}

describe('JWT verification', () => {
  it('accepts a minted HS256 token and reads role, user and expiry', async () => {
    const id = await verifier.verify(await mintToken(SECRET, { role: 'operator', user_id: 'alice' }, 600));
    assert.equal(id.role, 'operator');
    assert.equal(id.userId, 'alice');
    assert.ok(Math.abs(id.expiresAt - (Date.now() + 600_000)) < 5000);
  });

  it('rejects expired tokens', () => rejected(sign({ alg: 'HS256' }, { role: 'viewer', user_id: 'u', iat: now() - 100, exp: now() - 10 }), /expired/));
  it('rejects a token signed with another secret', () => rejected(sign({ alg: 'HS256' }, { role: 'viewer', user_id: 'u', exp: now() + 60 }, 'x'.repeat(40)), /signature/));
  it('rejects alg none', () => rejected(`${b64({ alg: 'none' })}.${b64({ role: 'admin', user_id: 'u', exp: now() + 60 })}.`, /algorithm|malformed/));
  it('rejects an algorithm that is not pinned (HS512 signed with the right secret)', () =>
    rejected(sign({ alg: 'HS512' }, { role: 'admin', user_id: 'u', exp: now() + 60 }, SECRET, 'sha512'), /algorithm/));
  it('requires exp', () => rejected(sign({ alg: 'HS256' }, { role: 'viewer', user_id: 'u' }), /exp/));
  it('requires a known role', () => rejected(sign({ alg: 'HS256' }, { role: 'root', user_id: 'u', exp: now() + 60 }), /role/));
  it('requires a user id', () => rejected(sign({ alg: 'HS256' }, { role: 'viewer', exp: now() + 60 }), /user_id/));
  it('rejects garbage', () => rejected('not.a.jwt', /malformed|rejected/));
  it('rejects a token issued a year in the future (issue 15 defect 10)', () =>
    rejected(sign({ alg: 'HS256' }, { role: 'admin', user_id: 'u', iat: now() + 365 * 86400, exp: now() + 365 * 86400 + 60 }), /issued in the future/));
  it('rejects a token valid for a century', () => rejected(sign({ alg: 'HS256' }, { role: 'admin', user_id: 'u', iat: now(), exp: now() + 100 * 365 * 86400 }), /lifetime exceeds/));
  it('rejects a long-lived token without iat', () => rejected(sign({ alg: 'HS256' }, { role: 'admin', user_id: 'u', exp: now() + 31 * 86400 }), /lifetime exceeds/));

  it('a token verified before gives the same identity again, and is still refused once it has expired', async () => {
    const v = new JwtVerifier(SECRET, ['HS256']);
    const token = sign({ alg: 'HS256' }, { role: 'viewer', user_id: 'carol', iat: now(), exp: now() + 60 });
    const first = await v.verify(token);
    first.role = 'admin'; // a caller's change to its copy is not remembered
    assert.deepEqual(await v.verify(token), { userId: 'carol', role: 'viewer', expiresAt: first.expiresAt });
    mock.timers.enable({ apis: ['Date'], now: first.expiresAt });
    try {
      await assert.rejects(v.verify(token), (err: unknown) => err instanceof TokenRejected && /expired/.test(err.message));
    } finally {
      mock.timers.reset();
    }
  });
  it('a token refused once is refused again (only verified tokens are remembered)', async () => {
    const v = new JwtVerifier(SECRET, ['HS256']);
    const token = sign({ alg: 'HS256' }, { role: 'viewer', user_id: 'u', exp: now() + 60 }, 'x'.repeat(40));
    for (let i = 0; i < 2; i++) await assert.rejects(v.verify(token), /signature/);
  });

  it('time claims, pure: 60 s of skew for iat, lifetime from iat (or now) up to the maximum', () => {
    const limits = { maxLifetimeS: 3600, skewS: 60 };
    const NOW = 1_800_000_000;
    assert.equal(tokenTimeProblem({ iat: NOW, exp: NOW + 3600 }, NOW, limits), undefined);
    assert.equal(tokenTimeProblem({ iat: NOW + 60, exp: NOW + 600 }, NOW, limits), undefined, 'a clock 60 s ahead is tolerated');
    assert.match(tokenTimeProblem({ iat: NOW + 61, exp: NOW + 600 }, NOW, limits)!, /future/);
    assert.equal(tokenTimeProblem({ iat: NOW - 3000, exp: NOW + 600 }, NOW, limits), undefined, 'the lifetime counts from iat');
    assert.match(tokenTimeProblem({ iat: NOW, exp: NOW + 3661 }, NOW, limits)!, /lifetime exceeds the 3600 s/);
    assert.equal(tokenTimeProblem({ exp: NOW + 3600 }, NOW, limits), undefined);
    assert.match(tokenTimeProblem({ exp: NOW + 7200 }, NOW, limits)!, /lifetime/);
    assert.match(tokenTimeProblem({ iat: 'yesterday', exp: NOW + 60 }, NOW, limits)!, /iat claim must be a number/);
  });
});

describe('asymmetric JWTs', async () => {
  const { generateKeyPair, exportSPKI, SignJWT } = await import('jose');
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { checkJwtSettings } = await import('../../../src/api/auth/jwt.js');
  const es = await generateKeyPair('ES256', { extractable: true });
  const rs = await generateKeyPair('RS256', { extractable: true });
  const esPem = await exportSPKI(es.publicKey);
  const rsPem = await exportSPKI(rs.publicKey);
  const signed = (alg: string, key: Parameters<InstanceType<typeof SignJWT>['sign']>[0], claims: object = { role: 'operator', user_id: 'idp-user' }) =>
    new SignJWT({ ...claims }).setProtectedHeader({ alg }).setIssuedAt().setExpirationTime('5m').sign(key);

  it('verifies ES256 with the configured public key next to HS256', async () => {
    const v = new JwtVerifier(SECRET, ['HS256', 'ES256'], esPem);
    assert.equal((await v.verify(await signed('ES256', es.privateKey))).userId, 'idp-user');
    assert.equal((await v.verify(await mintToken(SECRET, { role: 'viewer', user_id: 'u' }, 60))).role, 'viewer');
  });

  it('verifies RS256; rejects a token signed by another key, and algorithms that are not pinned', async () => {
    const v = new JwtVerifier(SECRET, ['RS256'], rsPem);
    assert.equal((await v.verify(await signed('RS256', rs.privateKey))).role, 'operator');
    const other = await generateKeyPair('RS256');
    await assert.rejects(v.verify(await signed('RS256', other.privateKey)), /signature/);
    await assert.rejects(v.verify(await mintToken(SECRET, { role: 'admin', user_id: 'u' }, 60)), /algorithm/);
    await assert.rejects(v.verify(await signed('ES256', es.privateKey)), /algorithm/);
  });

  it('without a public key, asymmetric tokens are refused', async () => {
    const v = new JwtVerifier(SECRET, ['HS256', 'ES256']);
    await assert.rejects(v.verify(await signed('ES256', es.privateKey)), /public key/);
  });

  it('configuration checks: the key file is required, readable and fits every asymmetric algorithm', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jwt-'));
    const esFile = join(dir, 'es.pem');
    writeFileSync(esFile, esPem);
    assert.deepEqual(await checkJwtSettings({ jwt_algorithms: ['HS256'], jwt_public_key_file: '' }), { problems: [] });
    assert.match((await checkJwtSettings({ jwt_algorithms: ['ES256'], jwt_public_key_file: '' })).problems[0]!, /jwt_public_key_file: is required/);
    assert.match((await checkJwtSettings({ jwt_algorithms: ['ES256'], jwt_public_key_file: join(dir, 'none.pem') })).problems[0]!, /cannot be read \(ENOENT\)/);
    assert.match((await checkJwtSettings({ jwt_algorithms: ['RS256'], jwt_public_key_file: esFile })).problems[0]!, /not a public key usable with RS256/);
    assert.match((await checkJwtSettings({ jwt_algorithms: ['HS256'], jwt_public_key_file: esFile })).problems[0]!, /no asymmetric algorithm/);
    const ok = await checkJwtSettings({ jwt_algorithms: ['HS256', 'ES256'], jwt_public_key_file: esFile });
    assert.deepEqual(ok.problems, []);
    assert.equal(ok.publicKeyPem, esPem);
  });
});
