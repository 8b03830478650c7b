/** rpc.discover: the OpenRPC document of this API (also at GET /openrpc.json). */
import { t } from '../../lib/schema.js';
import type { OpenRpcDocument } from '../openrpc.js';
import { defineMethod, type MethodDef } from '../rpc/registry.js';

export function discoverMethods(deps: { document(): OpenRpcDocument }): MethodDef[] {
  return [
    defineMethod({
      name: 'rpc.discover',
      minRole: 'none',
      summary: 'The OpenRPC 1.x document describing every method of this API.',
      params: t.object({}),
      result: { type: 'object', description: 'An OpenRPC document (https://spec.open-rpc.org)' },
      handler: () => deps.document(),
    }),
  ];
}
