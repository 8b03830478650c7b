import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admit, ConnectionCounter, originAllowed } from '../../../src/api/limits/connection-gate.js';

const limits = { maxConnections: 3, maxConnectionsPerIp: 2, allowedOrigins: ['https://ui.example:8443'] };

describe('upgrade admission', () => {
  it('admits requests without Origin; browser origins only when listed (exact, case-insensitive, trailing slash ignored)', () => {
    assert.equal(originAllowed(undefined, []), true);
    assert.equal(originAllowed('https://ui.example:8443', limits.allowedOrigins), true);
    assert.equal(originAllowed('HTTPS://UI.example:8443/', limits.allowedOrigins), true);
    assert.equal(originAllowed('https://ui.example', limits.allowedOrigins), false);
    assert.equal(originAllowed('https://evil.example', limits.allowedOrigins), false);
    assert.equal(originAllowed('null', limits.allowedOrigins), false);
    assert.equal(originAllowed('https://anything', ['*']), true);
  });

  it('403 for a foreign origin, 503 over the total, 429 over the per-address limit, in that order', () => {
    assert.deepEqual(admit(limits, { origin: undefined, total: 0, fromIp: 0 }), { ok: true });
    assert.equal((admit(limits, { origin: 'https://evil.example', total: 3, fromIp: 2 }) as { status: number }).status, 403);
    assert.equal((admit(limits, { origin: undefined, total: 3, fromIp: 2 }) as { status: number }).status, 503);
    assert.equal((admit(limits, { origin: undefined, total: 2, fromIp: 2 }) as { status: number }).status, 429);
    assert.deepEqual(admit(limits, { origin: 'https://ui.example:8443', total: 2, fromIp: 1 }), { ok: true });
  });

  it('counts connections per address and in total', () => {
    const c = new ConnectionCounter();
    c.add('a');
    c.add('a');
    c.add('b');
    assert.deepEqual([c.total, c.from('a'), c.from('b'), c.from('c')], [3, 2, 1, 0]);
    c.remove('a');
    c.remove('b');
    c.remove('b');
    assert.deepEqual([c.total, c.from('a'), c.from('b')], [1, 1, 0]);
  });
});
