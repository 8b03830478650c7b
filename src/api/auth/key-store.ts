/**
 * The API key store: one JSON file (`<storage.state_path>/api-keys.json`, mode 0600) with
 * each key's id, role, label, creation and expiry time and the salted hash of its secret.
 * Writes are atomic (temporary file, fsync, rename), so a reader never sees half a file.
 * The daemon watches the file and emits `change` when the key set differs, which is how a
 * revocation made by the CLI reaches open sessions.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, watch, writeSync, type FSWatcher } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { basename, dirname, join } from 'node:path';
import { isRole, type Role } from './roles.js';
import { generateKey, hashSecret, parseKey, verifySecret } from './api-key-format.js';

export const KEY_STORE_FILE = 'api-keys.json';

export interface ApiKeyInfo {
  id: string;
  role: Role;
  label: string;
  /** ISO 8601. */
  created_at: string;
  /** ISO 8601, or null for a key that does not expire. */
  expires_at: string | null;
}

interface ApiKeyRecord extends ApiKeyInfo {
  hash: string;
}

export type KeyCheck = { ok: true; key: ApiKeyInfo } | { ok: false; reason: string };

export interface KeyStoreEvents {
  change: [];
  error: [err: Error];
}

export class ApiKeyStore extends EventEmitter<KeyStoreEvents> {
  #keys = new Map<string, ApiKeyRecord>();
  #watcher: FSWatcher | undefined;
  #poll: NodeJS.Timeout | undefined;
  #pending: NodeJS.Timeout | undefined;
  #stamp = '';

  constructor(readonly file: string) {
    super();
  }

  static inStateDir(statePath: string): ApiKeyStore {
    return new ApiKeyStore(join(statePath, KEY_STORE_FILE));
  }

  /** Reads the file (a missing file is an empty store). Throws on a malformed file. */
  load(): this {
    this.#keys = read(this.file);
    this.#stamp = stampOf(this.file);
    return this;
  }

  list(): ApiKeyInfo[] {
    return [...this.#keys.values()].map(info).sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
  }

  get(id: string): ApiKeyInfo | undefined {
    const r = this.#keys.get(id);
    return r && info(r);
  }

  /** Creates a key; the returned `key` is the only time the secret exists outside its holder. */
  async create(opts: { role: Role; label?: string; expiresInS?: number }, now = Date.now()): Promise<{ key: string; info: ApiKeyInfo }> {
    this.load();
    let fresh = generateKey();
    while (this.#keys.has(fresh.id)) fresh = generateKey();
    const record: ApiKeyRecord = {
      id: fresh.id,
      role: opts.role,
      label: opts.label ?? '',
      created_at: new Date(now).toISOString(),
      expires_at: opts.expiresInS !== undefined ? new Date(now + opts.expiresInS * 1000).toISOString() : null,
      hash: await hashSecret(fresh.secret),
    };
    this.#keys.set(record.id, record);
    this.#save();
    return { key: fresh.key, info: info(record) };
  }

  /** Removes a key; false when there is no such key. */
  revoke(id: string): boolean {
    this.load();
    if (!this.#keys.delete(id)) return false;
    this.#save();
    return true;
  }

  /** Checks a presented key against the store (known id, matching secret, not expired). */
  async check(token: string, now = Date.now()): Promise<KeyCheck> {
    const parsed = parseKey(token);
    if (!parsed) return { ok: false, reason: 'malformed API key' };
    const record = this.#keys.get(parsed.id);
    // The same answer for unknown and wrong keys: nothing to learn about which ids exist.
    if (!record || !(await verifySecret(parsed.secret, record.hash))) return { ok: false, reason: 'unknown or revoked API key' };
    // Revoked while the hash was being checked.
    if (!this.#keys.has(parsed.id)) return { ok: false, reason: 'unknown or revoked API key' };
    if (record.expires_at !== null && Date.parse(record.expires_at) <= now) return { ok: false, reason: 'API key expired' };
    return { ok: true, key: info(record) };
  }

  /** True while the key exists in the store (expiry is the session's own business). */
  has(id: string): boolean {
    return this.#keys.has(id);
  }

  /**
   * Follows changes made by other processes (the CLI): an fs.watch on the directory (the file
   * is replaced by rename, so the file itself cannot be watched), with a stat poll as a
   * fallback where watching is not possible. Emits `change` when the key set differs.
   */
  watch(pollMs = 500): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const name = basename(this.file);
    try {
      this.#watcher = watch(dirname(this.file), { persistent: false }, (_event, filename) => {
        if (filename === null || filename === name) this.#schedule();
      });
      this.#watcher.on('error', (err) => {
        this.emit('error', err);
        this.#startPoll(pollMs);
      });
    } catch (err) {
      this.emit('error', err as Error);
      this.#startPoll(pollMs);
    }
  }

  close(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
    clearInterval(this.#poll);
    clearTimeout(this.#pending);
  }

  #startPoll(ms: number): void {
    this.#watcher?.close();
    this.#watcher = undefined;
    this.#poll ??= setInterval(() => stampOf(this.file) !== this.#stamp && this.#schedule(), ms).unref();
  }

  #schedule(): void {
    // Several events arrive for one rename; reload once.
    this.#pending ??= setTimeout(() => {
      this.#pending = undefined;
      this.#reload();
    }, 10);
  }

  #reload(): void {
    const before = JSON.stringify([...this.#keys.values()]);
    try {
      this.load();
    } catch (err) {
      // Fail closed: a store that cannot be read admits no key.
      this.#keys = new Map();
      this.emit('error', err as Error);
    }
    if (JSON.stringify([...this.#keys.values()]) !== before) this.emit('change');
  }

  #save(): void {
    const dir = dirname(this.file);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = join(dir, `.${basename(this.file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    const text = `${JSON.stringify({ version: 1, keys: [...this.#keys.values()] }, null, 2)}\n`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
    this.#stamp = stampOf(this.file);
  }
}

function info(r: ApiKeyRecord): ApiKeyInfo {
  return { id: r.id, role: r.role, label: r.label, created_at: r.created_at, expires_at: r.expires_at };
}

function stampOf(file: string): string {
  try {
    const s = statSync(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

function read(file: string): Map<string, ApiKeyRecord> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
  const doc = JSON.parse(text) as { keys?: unknown };
  if (!Array.isArray(doc.keys)) throw new Error(`${file}: not an API key store (no "keys" list)`);
  const out = new Map<string, ApiKeyRecord>();
  for (const k of doc.keys as ApiKeyRecord[]) {
    if (typeof k?.id !== 'string' || !isRole(k.role) || typeof k.hash !== 'string' || typeof k.created_at !== 'string') {
      throw new Error(`${file}: malformed key entry`);
    }
    out.set(k.id, { id: k.id, role: k.role, label: typeof k.label === 'string' ? k.label : '', created_at: k.created_at, expires_at: typeof k.expires_at === 'string' ? k.expires_at : null, hash: k.hash });
  }
  return out;
}
