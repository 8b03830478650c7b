/** The shared command token, compared in constant time. Pure. */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** True when no token is configured, or `given` equals it (time independent of where they differ and of their lengths). */
export function tokenAccepted(expected: string, given: string | undefined): boolean {
  if (expected === '') return true;
  return timingSafeEqual(digest(expected), digest(given ?? '')) && given !== undefined;
}
