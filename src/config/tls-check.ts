/**
 * server.tls_cert_file / tls_key_file: both or neither, readable, a PEM certificate and a PEM
 * private key that belong together. Run by `check-config` and before the daemon starts (exit
 * code 2, the key named). Never reports a file's contents. `loadServerTls` reads the pair for
 * the listener and gives the certificate's SHA-256 fingerprint (logged at start, and what a
 * client can pin).
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from './schema.js';

export interface ServerTlsMaterial {
  cert: Buffer;
  key: Buffer;
  /** Absolute paths (MediaMTX is given these). */
  certFile: string;
  keyFile: string;
  /** SHA-256 of the leaf certificate (DER), lower-case hex without colons. */
  fingerprint256: string;
}

type Loaded = { ok: true; material: ServerTlsMaterial } | { ok: false; problems: string[] };

function read(key: string, path: string, problems: string[]): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (err) {
    problems.push(`server.${key}: ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    return undefined;
  }
}

/** Reads and checks the pair; `ok: true` with `material` undefined when TLS is off. */
export function loadServerTls(s: Pick<Config['server'], 'tls_cert_file' | 'tls_key_file'>): Loaded | { ok: true; material: undefined } {
  if (s.tls_cert_file === '' && s.tls_key_file === '') return { ok: true, material: undefined };
  if (s.tls_cert_file === '' || s.tls_key_file === '') {
    return { ok: false, problems: [`server.${s.tls_cert_file === '' ? 'tls_cert_file' : 'tls_key_file'}: is required when server.${s.tls_cert_file === '' ? 'tls_key_file' : 'tls_cert_file'} is set (set both or neither)`] };
  }
  const problems: string[] = [];
  const cert = read('tls_cert_file', s.tls_cert_file, problems);
  const key = read('tls_key_file', s.tls_key_file, problems);
  if (!cert || !key) return { ok: false, problems };
  let x509: X509Certificate | undefined;
  let keyObject: KeyObject | undefined;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    problems.push(`server.tls_cert_file: ${s.tls_cert_file} is not a PEM certificate (${(err as Error).message})`);
  }
  try {
    keyObject = createPrivateKey(key);
  } catch (err) {
    problems.push(`server.tls_key_file: ${s.tls_key_file} is not an unencrypted PEM private key (${(err as Error).message})`);
  }
  if (x509 && keyObject && !x509.checkPrivateKey(keyObject)) {
    problems.push(`server.tls_key_file: ${s.tls_key_file} is not the private key of the certificate in server.tls_cert_file`);
  }
  if (problems.length > 0 || !x509) return { ok: false, problems };
  return {
    ok: true,
    material: {
      cert,
      key,
      certFile: resolve(s.tls_cert_file),
      keyFile: resolve(s.tls_key_file),
      fingerprint256: x509.fingerprint256.replace(/:/g, '').toLowerCase(),
    },
  };
}

export function checkTlsSettings(s: Pick<Config['server'], 'tls_cert_file' | 'tls_key_file'>): string[] {
  const r = loadServerTls(s);
  return r.ok ? [] : r.problems;
}
