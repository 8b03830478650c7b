import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { JwtVerifier, mintToken, TokenRejected } from '../../../src/api/auth/jwt.js';

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
});
