/**
 * Credentials in stream URLs (`rtsp://user:password@host/…`) are shown to admins only; every
 * other role sees `rtsp://***:***@host/…`. Pure.
 */

export const REDACTED = '***';

/** The URL with its user name and password replaced by `***` (unchanged when it has none). */
export function redactUrlCredentials(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // Not parseable: drop anything between the scheme and an `@` before the first `/`.
    return url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/@]*@/, `$1${REDACTED}@`);
  }
  if (u.username === '' && u.password === '') return url;
  const auth = u.password !== '' ? `${REDACTED}:${REDACTED}` : REDACTED;
  // Rebuilt by hand (URL setters percent-encode `*`): the credentials end at the last `@` of the authority.
  const start = url.indexOf('://') + 3;
  const rest = url.slice(start);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  const at = authority.lastIndexOf('@');
  if (at === -1) return url;
  return `${url.slice(0, start)}${auth}${rest.slice(at)}`;
}
