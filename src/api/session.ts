/** The per-connection session: who is on the other end and until when. */
import type { Role } from './auth/roles.js';

export interface Session {
  /** Stable id of the connection, reported as `session_id` and `client_id`. */
  readonly id: string;
  /** Remote address, for logs and per-IP limits. */
  readonly remote: string;
  auth?: {
    role: Role;
    userId: string;
    /** Epoch milliseconds after which the session must authenticate again (Infinity: never). */
    expiresAt: number;
    /** `internal`: a module of the service acting for its users (the MQTT bridge). */
    method: 'jwt' | 'api_key' | 'internal';
    /** API key id, when authenticated with a key (revocation ends such sessions). */
    keyId?: string;
  };
  /** Why the session lost its authentication (e.g. its API key was revoked), for the -32001 reason. */
  authEnded?: string;
  /** Topic subscriptions (subscribe_events); default notifications need none. */
  subscriptions?: { topics: Set<string>; device?: string };
}

/** The session's role if it is authenticated and not expired at `now`. */
export function activeRole(s: Session, now: number): Role | undefined {
  return s.auth && s.auth.expiresAt > now ? s.auth.role : undefined;
}
