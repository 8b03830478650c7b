/** The signed-in session: the WebSocket JSON-RPC connection, the credential and the role. */
import type { Role } from '../../src/client/methods.js';
import { Rpc } from './rpc.js';

const KEY = 'camera-service.credential';

export interface Session {
  rpc: Rpc;
  token: string;
  role: Role;
  user: string;
}

const rank: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
export const atLeast = (s: Session, role: Role) => rank[s.role] >= rank[role];

export const storedCredential = () => sessionStorage.getItem(KEY);
export const forgetCredential = () => sessionStorage.removeItem(KEY);

/** Connects and authenticates; keeps the credential in sessionStorage (never in the URL). */
export async function signIn(token: string): Promise<Session> {
  const config = (await (await fetch('config.json', { cache: 'no-cache' })).json()) as { websocket_path: string };
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${config.websocket_path}`;
  const rpc = await Rpc.connect(url);
  try {
    const r = await rpc.call<{ role: Role; session_id: string }>('authenticate', { auth_token: token });
    sessionStorage.setItem(KEY, token);
    return { rpc, token, role: r.role, user: r.session_id };
  } catch (err) {
    rpc.close();
    throw err;
  }
}

/** A file under /files/ fetched with the credential in a header, as a Blob URL (the caller revokes it). */
export async function fileBlobUrl(s: Session, path: string): Promise<string> {
  const res = await fetch(path, { headers: { authorization: `Bearer ${s.token}` }, cache: 'no-store' });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return URL.createObjectURL(await res.blob());
}
