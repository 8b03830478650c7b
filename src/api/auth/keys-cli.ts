/**
 * `camera-service keys ...`: create, list and revoke API keys in the store under
 * `storage.state_path`. A running daemon notices the change (it watches the store) and ends
 * the sessions of revoked keys.
 *
 *   keys create --role viewer|operator|admin [--label L] [--expires-in SECONDS] [--json]
 *   keys list [--json]
 *   keys revoke ID [--json]
 */
import { ApiKeyStore, type ApiKeyInfo } from './key-store.js';
import { isRole } from './roles.js';

export interface KeysCliIo {
  out(text: string): void;
  err(text: string): void;
}

export interface KeysCliOptions {
  statePath: string;
  args: string[];
  role?: string;
  label?: string;
  expiresIn?: string;
  json?: boolean;
}

export const KEYS_USAGE = `  camera-service keys create --role viewer|operator|admin [--label TEXT] [--expires-in SECONDS] [--json] [--config FILE]
  camera-service keys list [--json] [--config FILE]
  camera-service keys revoke ID [--json] [--config FILE]`;

function table(keys: ApiKeyInfo[]): string {
  if (keys.length === 0) return 'no API keys\n';
  const rows = [['ID', 'ROLE', 'CREATED', 'EXPIRES', 'LABEL'], ...keys.map((k) => [k.id, k.role, k.created_at, k.expires_at ?? 'never', k.label])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

/** Runs one `keys` subcommand; resolves to the process exit code (0 ok, 1 no such key, 2 usage). */
export async function runKeysCommand(o: KeysCliOptions, io: KeysCliIo): Promise<number> {
  const [sub, ...rest] = o.args;
  const store = ApiKeyStore.inStateDir(o.statePath);
  const json = (v: unknown) => io.out(`${JSON.stringify(v, null, 2)}\n`);
  try {
    store.load();
  } catch (err) {
    io.err(`keys: the key store ${store.file} cannot be read: ${(err as Error).message}\n`);
    return 1;
  }
  switch (sub) {
    case 'create': {
      if (!isRole(o.role)) return usage(io, 'keys create: --role must be viewer, operator or admin');
      let expiresInS: number | undefined;
      if (o.expiresIn !== undefined) {
        expiresInS = Number(o.expiresIn);
        if (!Number.isInteger(expiresInS) || expiresInS < 1) return usage(io, 'keys create: --expires-in must be a positive whole number of seconds');
      }
      if (o.label !== undefined && o.label.length > 200) return usage(io, 'keys create: --label is at most 200 characters');
      if (rest.length > 0) return usage(io, `keys create: unexpected argument '${rest[0]}'`);
      const { key, info } = await store.create({ role: o.role, ...(o.label !== undefined ? { label: o.label } : {}), ...(expiresInS !== undefined ? { expiresInS } : {}) });
      if (o.json) json({ ...info, key });
      else {
        io.out(`${key}\n`);
        io.err(`created API key ${info.id} (role ${info.role}, expires ${info.expires_at ?? 'never'}); the key above is shown only once\n`);
      }
      return 0;
    }
    case 'list':
      if (rest.length > 0) return usage(io, `keys list: unexpected argument '${rest[0]}'`);
      if (o.json) json(store.list());
      else io.out(table(store.list()));
      return 0;
    case 'revoke': {
      if (rest.length !== 1) return usage(io, 'keys revoke: name exactly one key id');
      const id = rest[0]!;
      const revoked = store.revoke(id);
      if (o.json) json({ id, revoked });
      else if (revoked) io.out(`revoked API key ${id}\n`);
      if (!revoked) {
        if (!o.json) io.err(`keys revoke: no API key ${id}\n`);
        return 1;
      }
      return 0;
    }
    default:
      return usage(io, sub === undefined ? 'keys: name a subcommand' : `keys: unknown subcommand '${sub}'`);
  }
}

function usage(io: KeysCliIo, message: string): number {
  io.err(`${message}\nusage:\n${KEYS_USAGE}\n`);
  return 2;
}
