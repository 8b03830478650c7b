/**
 * API keys: their form and how they are stored.
 *
 * A key is `csk_<id>_<secret>`: the `csk_` prefix tells keys from JWTs (which start with
 * `eyJ` and contain two dots), `<id>` (12 hex digits) names the key in the store, the CLI and
 * logs, and `<secret>` is 32 random bytes in base64url. Only a salted scrypt hash of the
 * secret is stored: `scrypt$<N>$<r>$<p>$<salt b64url>$<hash b64url>`.
 *
 * The work factor is modest on purpose: the secret has 256 bits of entropy, so no work factor
 * is what keeps it from being guessed; the hash only makes a leaked store useless. A cheap
 * hash keeps `authenticate` fast and its memory bounded (N·r·128 bytes = 2 MiB per check).
 * The parameters are part of every stored hash, so they can be raised without a migration.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export const KEY_PREFIX = 'csk_';
const KEY_FORM = /^csk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const HASH_FORM = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;
export const DEFAULT_SCRYPT = { N: 2048, r: 8, p: 1 } as const;
const HASH_BYTES = 32;

export interface NewKey {
  id: string;
  /** The whole key, shown once. */
  key: string;
  secret: string;
}

export function generateKey(): NewKey {
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, key: `${KEY_PREFIX}${id}_${secret}` };
}

/** True when a token has the form of an API key rather than a JWT (it may still be invalid). */
export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(KEY_PREFIX);
}

export function parseKey(token: string): { id: string; secret: string } | undefined {
  const m = KEY_FORM.exec(token);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

function derive(secret: string, salt: Buffer, o: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { N: o.N, r: o.r, p: o.p, maxmem: 256 * o.N * o.r + 1024 * 1024 };
  return new Promise((resolve, reject) => scrypt(secret, salt, HASH_BYTES, options, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashSecret(secret: string, o: { N: number; r: number; p: number } = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(secret, salt, o);
  return `scrypt$${o.N}$${o.r}$${o.p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/** Constant-time comparison of a presented secret with a stored hash; false for a malformed hash. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const m = HASH_FORM.exec(stored);
  if (!m) return false;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Refuse parameters nobody here wrote (a tampered store must not make checks explode).
  if (N < 2 || N > 1 << 20 || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) return false;
  const expected = Buffer.from(m[5]!, 'base64url');
  if (expected.length !== HASH_BYTES) return false;
  const actual = await derive(secret, Buffer.from(m[4]!, 'base64url'), { N, r, p });
  return timingSafeEqual(actual, expected);
}
