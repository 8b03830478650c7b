import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admit, ConnectionCounter, originAllowed } from '../../../src/api/limits/connection-gate.js';

const limits = { maxConnections: 3, maxConnectionsPerIp: 2, allowedOrigins: ['https://ui.example:8443'], maxUnauthenticated: 3, maxUnauthenticatedPerIp: 2, evictAfterMs: 1000 };

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

  it('unauthenticated connections: a smaller pool (the rest is reserved for authenticated ones) and a per-address limit; a full pool displaces its longest-waiting member', () => {
    const l = { maxConnections: 10, maxConnectionsPerIp: 8, allowedOrigins: ['*'], maxUnauthenticated: 4, maxUnauthenticatedPerIp: 2, evictAfterMs: 1000 };
    assert.deepEqual(admit(l, { origin: undefined, total: 5, fromIp: 1, unauthenticated: 3, unauthenticatedFromIp: 1 }), { ok: true });
    assert.deepEqual(admit(l, { origin: undefined, total: 5, fromIp: 2, unauthenticated: 3, unauthenticatedFromIp: 2 }), {
      ok: false,
      status: 429,
      reason: 'too many unauthenticated connections from this address',
    });
    // The pool is full: the newcomer gets the slot of the unauthenticated connection that waited longest...
    assert.deepEqual(admit(l, { origin: undefined, total: 5, fromIp: 0, unauthenticated: 4, unauthenticatedFromIp: 0, candidate: { waitedMs: 1000, fromIp: 1 } }), { ok: true, evict: true });
    // ...unless that one has not had its time to authenticate yet.
    assert.deepEqual(admit(l, { origin: undefined, total: 5, fromIp: 0, unauthenticated: 4, unauthenticatedFromIp: 0, candidate: { waitedMs: 999, fromIp: 1 } }), { ok: false, status: 503, reason: 'too many connections' });
    assert.equal((admit(l, { origin: undefined, total: 5, fromIp: 0, unauthenticated: 4, unauthenticatedFromIp: 0 }) as { status: number }).status, 503, 'only handshakes in progress');
    // Every slot taken, some by unauthenticated connections: one of them makes room.
    assert.deepEqual(admit(l, { origin: undefined, total: 10, fromIp: 0, unauthenticated: 1, unauthenticatedFromIp: 0, candidate: { waitedMs: 5000, fromIp: 1 } }), { ok: true, evict: true });
    // A newcomer from an address holding fewer than the heaviest one displaces that one's longest-waiting connection at once...
    assert.deepEqual(admit(l, { origin: undefined, total: 5, fromIp: 0, unauthenticated: 4, unauthenticatedFromIp: 0, candidate: { waitedMs: 5, fromIp: 2 } }), { ok: true, evict: true });
    // ...but not when it would only trade places with an equal (then the candidate's second applies).
    assert.equal((admit(l, { origin: undefined, total: 5, fromIp: 1, unauthenticated: 4, unauthenticatedFromIp: 1, candidate: { waitedMs: 5, fromIp: 2 } }) as { status: number }).status, 503);
    // Every slot taken by authenticated connections: nobody is displaced.
    assert.equal((admit(l, { origin: undefined, total: 10, fromIp: 0, unauthenticated: 0, unauthenticatedFromIp: 0 }) as { status: number }).status, 503);
    // The pool is never larger than maxConnections.
    assert.deepEqual(admit({ ...l, maxUnauthenticated: 50 }, { origin: undefined, total: 10, fromIp: 0, unauthenticated: 10, unauthenticatedFromIp: 0, candidate: { waitedMs: 1500, fromIp: 1 } }), { ok: true, evict: true });
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
