/**
 * JWT verification and minting. Algorithms are pinned by configuration, never taken from
 * the token; `exp` is required, `iat` may not be in the future (60 s skew) and the lifetime is
 * bounded (`security.jwt_max_lifetime_s`); the role claim must be a known role. HMAC algorithms verify
 * with the shared secret; asymmetric ones (RS*, PS*, ES*, EdDSA) with a configured public key
 * (PEM: SPKI public key or X.509 certificate), imported once per algorithm.
 */
import { readFileSync } from 'node:fs';
// Sub-path imports: the package root would load every JOSE module (JWE, JWK sets, ...).
import * as errors from 'jose/errors';
import { importSPKI, importX509 } from 'jose/key/import';
import { SignJWT } from 'jose/jwt/sign';
import { jwtVerify } from 'jose/jwt/verify';
import type { CryptoKey, JWTHeaderParameters } from 'jose';
import { isRole, type Role } from './roles.js';

export interface TokenIdentity {
  userId: string;
  role: Role;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export class TokenRejected extends Error {}

/** Clock difference tolerated between the token's issuer and this host (seconds). */
export const JWT_CLOCK_SKEW_S = 60;
/** Default of `security.jwt_max_lifetime_s`: 30 days. */
export const DEFAULT_MAX_LIFETIME_S = 30 * 86_400;

/**
 * Time claims a token must satisfy besides `exp` in the future (which jose checks): issued no
 * later than `skewS` from now, and valid for at most `maxLifetimeS` (from `iat`, or from now
 * when it has none). Pure: returns the reason for refusal, or undefined.
 */
export function tokenTimeProblem(claims: { iat?: unknown; exp?: unknown }, nowS: number, limits: { maxLifetimeS: number; skewS: number }): string | undefined {
  const exp = typeof claims.exp === 'number' ? claims.exp : undefined;
  const iat = typeof claims.iat === 'number' ? claims.iat : undefined;
  if (claims.iat !== undefined && iat === undefined) return 'token iat claim must be a number';
  if (iat !== undefined && iat > nowS + limits.skewS) return 'token issued in the future (iat is later than now)';
  if (exp !== undefined && exp - (iat ?? nowS) > limits.maxLifetimeS + limits.skewS) {
    return `token lifetime exceeds the ${limits.maxLifetimeS} s this service accepts (security.jwt_max_lifetime_s)`;
  }
  return undefined;
}

export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export const JWT_ALGORITHMS = [...HMAC_ALGORITHMS, ...ASYMMETRIC_ALGORITHMS] as const;

export const isHmac = (alg: string) => (HMAC_ALGORITHMS as readonly string[]).includes(alg);

/** Imports a PEM public key (or certificate) for one algorithm; rejects when they do not fit. */
export function importPublicKey(pem: string, alg: string): Promise<CryptoKey> {
  return pem.includes('BEGIN CERTIFICATE') ? importX509(pem, alg) : importSPKI(pem, alg);
}

/** Verified tokens remembered by `JwtVerifier` (oldest forgotten first). */
export const VERIFIED_TOKEN_CACHE = 256;

export class JwtVerifier {
  readonly #secret: Uint8Array;
  readonly #publicKeys = new Map<string, Promise<CryptoKey>>();
  /**
   * Tokens that passed every check, by their exact text, with the identity they gave. A
   * verification costs ~70 µs of CPU (WebCrypto key import + HMAC on the thread pool) and many
   * connections present the same token (a client's reconnects, a fleet sharing one); a token
   * that verified once verifies again with the same result until it expires (the signature,
   * algorithm and lifetime checks do not depend on time, and `iat`/`nbf` only get further in
   * the past), so only `exp` is checked again on a hit, and an expired token goes the full way
   * for its rejection. Bounded: `VERIFIED_TOKEN_CACHE` entries, a few hundred bytes each.
   */
  readonly #verified = new Map<string, TokenIdentity>();

  /**
   * @param publicKeyPem PEM text of the public key, required when `algorithms` lists an
   *   asymmetric algorithm (see `checkJwtSettings`).
   */
  constructor(
    secret: string,
    private readonly algorithms: readonly string[],
    private readonly publicKeyPem?: string,
    private readonly maxLifetimeS: number = DEFAULT_MAX_LIFETIME_S,
  ) {
    this.#secret = new TextEncoder().encode(secret);
  }

  async verify(token: string): Promise<TokenIdentity> {
    const known = this.#verified.get(token);
    if (known) {
      // jose's own test: expired when exp <= now in whole seconds.
      if (known.expiresAt > Math.floor(Date.now() / 1000) * 1000) return { ...known };
      this.#verified.delete(token);
    }
    const identity = await this.#verifyFully(token);
    if (this.#verified.size >= VERIFIED_TOKEN_CACHE) this.#verified.delete(this.#verified.keys().next().value!);
    this.#verified.set(token, identity);
    return { ...identity };
  }

  async #verifyFully(token: string): Promise<TokenIdentity> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, (header) => this.#keyFor(header), { algorithms: [...this.algorithms], requiredClaims: ['exp'] }));
    } catch (err) {
      throw new TokenRejected(describe(err));
    }
    const times = tokenTimeProblem(payload, Math.floor(Date.now() / 1000), { maxLifetimeS: this.maxLifetimeS, skewS: JWT_CLOCK_SKEW_S });
    if (times) throw new TokenRejected(times);
    const role = payload.role;
    if (!isRole(role)) throw new TokenRejected('token role claim must be viewer, operator or admin');
    const userId = typeof payload.user_id === 'string' ? payload.user_id : payload.sub;
    if (typeof userId !== 'string' || userId === '') throw new TokenRejected('token must carry a user_id claim');
    return { userId, role, expiresAt: (payload.exp as number) * 1000 };
  }

  #keyFor(header: JWTHeaderParameters): Uint8Array | Promise<CryptoKey> {
    const alg = header.alg;
    if (isHmac(alg)) return this.#secret;
    if (this.publicKeyPem === undefined) throw new TokenRejected('no public key is configured for asymmetric tokens');
    let key = this.#publicKeys.get(alg);
    if (!key) {
      key = importPublicKey(this.publicKeyPem, alg);
      this.#publicKeys.set(alg, key);
    }
    return key;
  }
}

function describe(err: unknown): string {
  if (err instanceof TokenRejected) return err.message;
  if (err instanceof errors.JWTExpired) return 'token expired';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'token algorithm not allowed';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'token signature is invalid';
  if (err instanceof errors.JWTClaimValidationFailed) return `token claim check failed: ${err.claim} ${err.reason}`;
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return 'malformed token';
  return 'token rejected';
}

/**
 * Cross-key checks of the security settings that the schema cannot express: an asymmetric
 * algorithm needs `jwt_public_key_file`, which must hold a key usable with every asymmetric
 * algorithm listed. Returns one line per problem, plus the key's PEM text when there is one.
 */
export async function checkJwtSettings(s: { jwt_algorithms: readonly string[]; jwt_public_key_file: string }): Promise<{ problems: string[]; publicKeyPem?: string }> {
  const asymmetric = s.jwt_algorithms.filter((a) => !isHmac(a));
  if (s.jwt_public_key_file === '') {
    return asymmetric.length === 0
      ? { problems: [] }
      : { problems: [`security.jwt_public_key_file: is required when security.jwt_algorithms lists ${asymmetric.join(', ')}`] };
  }
  let pem: string;
  try {
    pem = readFileSync(s.jwt_public_key_file, 'utf8');
  } catch (err) {
    return { problems: [`security.jwt_public_key_file: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`] };
  }
  if (asymmetric.length === 0) return { problems: ['security.jwt_public_key_file: is set but security.jwt_algorithms lists no asymmetric algorithm'] };
  const problems: string[] = [];
  for (const alg of asymmetric) {
    try {
      await importPublicKey(pem, alg);
    } catch (err) {
      problems.push(`security.jwt_public_key_file: not a public key usable with ${alg} (${(err as Error).message})`);
    }
  }
  return problems.length > 0 ? { problems } : { problems, publicKeyPem: pem };
}

/** Mints an HS256 token; used by the `token` command and by tests. */
export async function mintToken(secret: string, claims: { role: Role; user_id: string }, ttlSeconds: number): Promise<string> {
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(new TextEncoder().encode(secret));
}
