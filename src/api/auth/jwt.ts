/**
 * JWT verification and minting. Algorithms are pinned by configuration, never taken from
 * the token; `exp` is required; the role claim must be a known role.
 */
import { errors, jwtVerify, SignJWT } from 'jose';
import { isRole, type Role } from './roles.js';

export interface TokenIdentity {
  userId: string;
  role: Role;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export class TokenRejected extends Error {}

export class JwtVerifier {
  readonly #key: Uint8Array;

  constructor(
    secret: string,
    private readonly algorithms: string[],
  ) {
    this.#key = new TextEncoder().encode(secret);
  }

  async verify(token: string): Promise<TokenIdentity> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.#key, { algorithms: this.algorithms, requiredClaims: ['exp'] }));
    } catch (err) {
      throw new TokenRejected(describe(err));
    }
    const role = payload.role;
    if (!isRole(role)) throw new TokenRejected('token role claim must be viewer, operator or admin');
    const userId = typeof payload.user_id === 'string' ? payload.user_id : payload.sub;
    if (typeof userId !== 'string' || userId === '') throw new TokenRejected('token must carry a user_id claim');
    return { userId, role, expiresAt: (payload.exp as number) * 1000 };
  }
}

function describe(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'token expired';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'token algorithm not allowed';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'token signature is invalid';
  if (err instanceof errors.JWTClaimValidationFailed) return `token claim check failed: ${err.claim} ${err.reason}`;
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return 'malformed token';
  return 'token rejected';
}

/** Mints an HS256 token; used by the `token` command and by tests. */
export async function mintToken(secret: string, claims: { role: Role; user_id: string }, ttlSeconds: number): Promise<string> {
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(new TextEncoder().encode(secret));
}
