/** ping, authenticate, get_server_info, get_system_status. */
import { t } from '../../lib/schema.js';
import type { Identity } from '../auth/authenticator.js';
import { permissionsOf } from '../auth/roles.js';
import { rpcErrors } from '../rpc/errors.js';
import { defineMethod, type MethodDef } from '../rpc/registry.js';

export type AuthResult = Identity;

export interface SystemDeps {
  /** Verifies a JWT or API key; throws an Error whose message is the reason on failure. */
  authenticate(token: string): Promise<AuthResult>;
  serverInfo: {
    name: string;
    version: string;
    build_date: string;
    capabilities: string[];
    supported_formats: string[];
    max_cameras: number;
  };
  systemStatus(): { status: 'starting' | 'partial' | 'ready'; message: string; available_cameras: string[]; discovery_active: boolean };
}

export function systemMethods(deps: SystemDeps): MethodDef[] {
  return [
    defineMethod({
      name: 'ping',
      minRole: 'none',
      summary: 'Liveness check; answers "pong".',
      params: t.object({}),
      result: t.enum(['pong'] as const),
      handler: () => 'pong',
    }),
    defineMethod({
      name: 'authenticate',
      minRole: 'none',
      summary: 'Authenticates the connection with a JWT or an API key.',
      params: t.object({ auth_token: t.string({ minLength: 1, maxLength: 16384, description: 'A JWT or an API key' }) }),
      result: t.object({
        authenticated: t.boolean(),
        role: t.enum(['viewer', 'operator', 'admin'] as const),
        permissions: t.array(t.string()),
        expires_at: { anyOf: [t.string(), { type: 'null' }], description: 'ISO 8601 UTC; null for an API key that does not expire' },
        session_id: t.string(),
      }),
      handler: async ({ auth_token }, { session }) => {
        let who: AuthResult;
        try {
          who = await deps.authenticate(auth_token);
        } catch (err) {
          throw rpcErrors.auth((err as Error).message);
        }
        session.auth = who;
        delete session.authEnded;
        return {
          authenticated: true,
          role: who.role,
          permissions: permissionsOf(who.role),
          expires_at: Number.isFinite(who.expiresAt) ? new Date(who.expiresAt).toISOString() : null,
          session_id: session.id,
        };
      },
    }),
    defineMethod({
      name: 'get_server_info',
      minRole: 'viewer',
      summary: 'Name, version and capabilities of this server.',
      params: t.object({}),
      result: t.object({
        name: t.string(),
        version: t.string(),
        build_date: t.string(),
        go_version: t.string({ description: 'The runtime version string (e.g. "node v20.20.2"); the field name is kept for older clients.' }),
        architecture: t.string(),
        capabilities: t.array(t.string()),
        supported_formats: t.array(t.string()),
        max_cameras: t.integer(),
      }),
      handler: () => ({
        ...deps.serverInfo,
        go_version: `node ${process.version}`,
        architecture: process.arch,
      }),
    }),
    defineMethod({
      name: 'get_system_status',
      minRole: 'viewer',
      summary: 'Whether the service has finished starting and discovering cameras.',
      params: t.object({}),
      result: t.object({
        status: t.enum(['starting', 'partial', 'ready'] as const),
        message: t.string(),
        available_cameras: t.array(t.string()),
        discovery_active: t.boolean(),
      }),
      handler: () => deps.systemStatus(),
    }),
  ];
}
