import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import { guarded, isLoopback } from '../../../src/api/http-access.js';

function call(access: 'public' | 'localhost' | 'authenticated', remote: string, authOk: boolean) {
  let status = 0;
  let served = false;
  const res = { writeHead: (s: number) => ((status = s), res), end: () => undefined } as unknown as ServerResponse;
  const req = { socket: { remoteAddress: remote } } as IncomingMessage;
  const handler = guarded(access, () => void ((served = true), (status = 200)), async () => (authOk ? { role: 'viewer' } : ((status = 401), undefined)));
  return Promise.resolve(handler(req, res, new URL('http://x/metrics'))).then(() => ({ status, served }));
}

describe('HTTP access policies', () => {
  it('recognizes loopback peers', () => {
    assert.deepEqual(['127.0.0.1', '127.3.2.1', '::1', '::ffff:127.0.0.1', '192.168.1.5', '::ffff:10.0.0.1', undefined].map(isLoopback), [true, true, true, true, false, false, false]);
  });
  it('public serves anyone', async () => assert.deepEqual(await call('public', '192.168.1.5', false), { status: 200, served: true }));
  it('localhost refuses other peers with 403', async () => {
    assert.deepEqual(await call('localhost', '192.168.1.5', true), { status: 403, served: false });
    assert.deepEqual(await call('localhost', '127.0.0.1', false), { status: 200, served: true });
  });
  it('authenticated serves only after authentication', async () => {
    assert.deepEqual(await call('authenticated', '127.0.0.1', false), { status: 401, served: false });
    assert.deepEqual(await call('authenticated', '192.168.1.5', true), { status: 200, served: true });
  });
});
