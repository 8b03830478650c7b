/**
 * The API key store: one JSON file (`<storage.state_path>/api-keys.json`, mode 0600) with
 * each key's id, role, label, creation and expiry time and the salted hash of its secret.
 * Writes are atomic and durable (src/lib/state-file.ts), so a reader never sees half a file;
 * at start an unusable file is moved aside and logged (no key is accepted until keys are
 * created again); a later reload of an unusable file fails closed without moving it.
 * The daemon watches the file and emits `change` when the key set differs, which is how a
 * revocation made by the CLI reaches open sessions.
 */
import { mkdirSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { EventEmitter } from 'node:events';
import { basename, dirname, join } from 'node:path';
import { t, type Schema } from '../../lib/schema.js';
import { loadStateFile, parseState, writeStateFile, type StateFileLog } from '../../lib/state-file.js';
import { ROLES, type Role } from './roles.js';
import { generateKey, hashSecret, parseKey, verifySecret } from './api-key-format.js';

export const KEY_STORE_FILE = 'api-keys.json';

/** `api-keys.json`. */
export const keyStoreSchema = t.object(
  {
    version: t.optional(t.integer({ minimum: 1 })),
    keys: t.array(
      t.object(
        {
          id: t.string({ minLength: 1 }),
          role: t.enum(ROLES),
          label: t.optional(t.string()),
          created_at: t.string(),
          expires_at: t.optional({ anyOf: [{ type: 'string' }, { type: 'null' }] } as Schema<string | null>),
          hash: t.string({ minLength: 1 }),
        },
        { additionalProperties: true },
      ),
    ),
  },
  { additionalProperties: true },
);

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

  /** The service's first read: an unusable file is moved aside and logged, and the store starts empty. */
  loadAtStart(log: StateFileLog): this {
    const doc = loadStateFile(this.file, {
      schema: keyStoreSchema,
      fallback: () => ({ keys: [] }),
      holds: 'API keys (none is accepted; create keys again with `camera-service keys create`)',
      log,
    }).value;
    this.#keys = records(doc.keys);
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
    let record = this.#keys.get(parsed.id);
    // A key the CLI has just written, before the watch has reloaded the file: read it now.
    if (!record && stampOf(this.file) !== this.#stamp) {
      this.#reload();
      record = this.#keys.get(parsed.id);
    }
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
      // Fail closed: a store that cannot be read admits no key (and is read again only once it changes).
      this.#keys = new Map();
      this.#stamp = stampOf(this.file);
      this.emit('error', err as Error);
    }
    if (JSON.stringify([...this.#keys.values()]) !== before) this.emit('change');
  }

  #save(): void {
    writeStateFile(this.file, { version: 1, keys: [...this.#keys.values()] }, { mode: 0o600, dirMode: 0o700 });
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
  const parsed = parseState(text, keyStoreSchema);
  if (!parsed.ok) throw new Error(`${file}: not a usable API key store: ${parsed.problem}`);
  return records(parsed.value.keys);
}

function records(keys: readonly { id: string; role: Role; label?: string; created_at: string; expires_at?: string | null; hash: string }[]): Map<string, ApiKeyRecord> {
  const out = new Map<string, ApiKeyRecord>();
  for (const k of keys) {
    out.set(k.id, { id: k.id, role: k.role, label: k.label ?? '', created_at: k.created_at, expires_at: k.expires_at ?? null, hash: k.hash });
  }
  return out;
}
