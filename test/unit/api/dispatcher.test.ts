import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Dispatcher } from '../../../src/api/rpc/dispatcher.js';
import { rpcErrors } from '../../../src/api/rpc/errors.js';
import { defineMethod, MethodRegistry } from '../../../src/api/rpc/registry.js';
import type { Session } from '../../../src/api/session.js';
import { t } from '../../../src/lib/schema.js';

const NOW = 1_800_000_000_000;
const calls: string[] = [];
const registry = new MethodRegistry().add(
  defineMethod({ name: 'ping', minRole: 'none', summary: '', params: t.object({}), result: {}, handler: () => 'pong' }),
  defineMethod({
    name: 'echo',
    minRole: 'viewer',
    summary: '',
    params: t.object({ device: t.string({ pattern: '^camera[0-9]+$' }), n: t.optional(t.integer({ minimum: 1 })) }),
    result: {},
    handler: (p) => (calls.push('echo'), p),
  }),
  defineMethod({ name: 'control', minRole: 'operator', summary: '', params: t.object({}), result: {}, handler: () => 'done' }),
  defineMethod({ name: 'admin_only', minRole: 'admin', summary: '', params: t.object({}), result: {}, handler: () => 'secret' }),
  defineMethod({ name: 'missing', minRole: 'viewer', summary: '', params: t.object({}), result: {}, handler: () => { throw rpcErrors.notFound('camera', 'camera9'); } }),
  defineMethod({ name: 'boom', minRole: 'viewer', summary: '', params: t.object({}), result: {}, handler: () => { throw new Error('/etc/secret path leaked'); } }),
);
const internal: string[] = [];
const d = new Dispatcher(registry, { onInternalError: (_m, id) => internal.push(id) }, () => NOW);
const anon = (): Session => ({ id: 's1', remote: '127.0.0.1' });
const as = (role: 'viewer' | 'operator' | 'admin', expiresAt = NOW + 60_000): Session => ({ id: 's2', remote: '127.0.0.1', auth: { role, userId: 'u', expiresAt, method: 'jwt' } });

async function send(frame: unknown, session: Session = anon()): Promise<any> {
  const out = await d.handleFrame(typeof frame === 'string' ? frame : JSON.stringify(frame), session);
  return out === undefined ? undefined : JSON.parse(out);
}
const req = (method: string, params?: unknown, id: unknown = 1) => ({ jsonrpc: '2.0', method, ...(params !== undefined ? { params } : {}), id });

describe('JSON-RPC envelope', () => {
  it('answers ping with "pong" and echoes string and number ids unchanged', async () => {
    assert.equal((await send(req('ping', undefined, 'abc'))).id, 'abc');
    const r = await send(req('ping', {}, 42));
    assert.equal(r.result, 'pong');
    assert.equal(r.id, 42);
    assert.equal(r.jsonrpc, '2.0');
    assert.equal(typeof r.metadata.processing_time_ms, 'number');
  });

  it('-32700 for invalid JSON, with a null id', async () => {
    const r = await send('{"jsonrpc":"2.0",');
    assert.equal(r.error.code, -32700);
    assert.equal(r.id, null);
    assert.ok(r.error.data.reason);
  });

  it('-32600 for values that are not request objects', async () => {
    for (const bad of ['1', '"x"', 'null', 'true', JSON.stringify({ method: 'ping', id: 1 }), JSON.stringify({ jsonrpc: '1.0', method: 'ping', id: 1 }),
      JSON.stringify({ jsonrpc: '2.0', id: 1 }), JSON.stringify({ jsonrpc: '2.0', method: 5, id: 1 }), JSON.stringify({ jsonrpc: '2.0', method: 'ping', params: [1], id: 1 }),
      JSON.stringify({ jsonrpc: '2.0', method: 'ping', id: { a: 1 } })]) {
      const r = await send(bad);
      assert.equal(r.error.code, -32600, bad);
      assert.ok(r.error.data.reason && r.error.data.hint, bad);
    }
  });

  it('-32600 for an empty batch; a batch gets an array of replies without the notifications', async () => {
    assert.equal((await send('[]')).error.code, -32600);
    const r = await send([req('ping', undefined, 1), { jsonrpc: '2.0', method: 'ping' }, 5, req('nope', undefined, 2)]);
    assert.ok(Array.isArray(r));
    assert.deepEqual(r.map((x: any) => x.id), [1, null, 2]);
    assert.equal(r[0].result, 'pong');
    assert.equal(r[1].error.code, -32600);
    assert.equal(r[2].error.code, -32601);
  });

  it('a batch over the limit answers one -32600 and runs nothing: a handful before authentication, more after', async () => {
    const before = calls.length;
    const small = new Dispatcher(registry, {}, () => NOW, { maxBatch: 6, maxBatchUnauthenticated: 2 });
    const run = async (frame: unknown[], session: Session) => JSON.parse((await small.handleFrame(JSON.stringify(frame), session))!);
    const three = [req('echo', { device: 'camera0' }, 1), req('echo', { device: 'camera0' }, 2), req('echo', { device: 'camera0' }, 3)];
    const anonReply = await run(three, anon());
    assert.equal(anonReply.id, null);
    assert.equal(anonReply.error.code, -32600);
    assert.equal(anonReply.error.data.reason, 'batch too large: 3 requests, at most 2');
    assert.match(anonReply.error.data.hint, /before authenticating \(up to 6 after\)/);
    assert.deepEqual((await run(three, as('viewer'))).map((x: any) => x.id), [1, 2, 3]);
    const huge = await run(Array.from({ length: 500_000 }, () => 0), as('viewer'));
    assert.deepEqual([huge.error.code, huge.error.data.reason], [-32600, 'batch too large: 500000 requests, at most 6']);
    assert.equal(calls.length, before + 3, 'only the admitted batch ran');
  });

  it('runs notifications (no id) and sends no reply, even on error', async () => {
    const before = calls.length;
    assert.equal(await send({ jsonrpc: '2.0', method: 'echo', params: { device: 'camera1' } }, as('viewer')), undefined);
    assert.equal(calls.length, before + 1);
    assert.equal(await send({ jsonrpc: '2.0', method: 'nope' }), undefined);
    assert.equal(await send([{ jsonrpc: '2.0', method: 'ping' }]), undefined);
  });

  it('-32601 for unknown methods, with reason and hint', async () => {
    const r = await send(req('get_everything'));
    assert.equal(r.error.code, -32601);
    assert.match(r.error.data.reason, /get_everything/);
    assert.ok(r.error.data.hint);
  });
});

describe('authentication and roles', () => {
  it('-32001 for every non-public method before authentication', async () => {
    for (const m of ['echo', 'control', 'admin_only']) {
      const r = await send(req(m, { device: 'camera0' }));
      assert.equal(r.error.code, -32001, m);
      assert.ok(r.error.data.reason);
    }
  });

  it('-32001 once the session has expired', async () => {
    const r = await send(req('echo', { device: 'camera0' }), as('admin', NOW - 1));
    assert.equal(r.error.code, -32001);
    assert.match(r.error.data.reason, /expired/);
  });

  it('admin ⊃ operator ⊃ viewer, -32002 naming required and actual roles', async () => {
    const matrix: [string, 'viewer' | 'operator' | 'admin', boolean][] = [
      ['control', 'viewer', false], ['control', 'operator', true], ['control', 'admin', true],
      ['admin_only', 'viewer', false], ['admin_only', 'operator', false], ['admin_only', 'admin', true],
    ];
    for (const [method, role, allowed] of matrix) {
      const r = await send(req(method), as(role));
      if (allowed) assert.ok('result' in r, `${role} ${method}`);
      else {
        assert.equal(r.error.code, -32002, `${role} ${method}`);
        assert.equal(r.error.data.have_role, role);
        assert.equal(r.error.data.required_role, method === 'control' ? 'operator' : 'admin');
      }
    }
  });
});

describe('params and handler errors', () => {
  it('-32602 naming the param and the rule; the handler does not run', async () => {
    const before = calls.length;
    const cases: [unknown, string, string][] = [
      [{}, 'device', 'required'],
      [{ device: '/dev/video0' }, 'device', 'pattern'],
      [{ device: 'camera0', n: 0 }, 'n', 'minimum:1'],
      [{ device: 'camera0', n: 'x' }, 'n', 'type:integer'],
      [{ device: 'camera0', bogus: 1 }, 'bogus', 'unknown'],
    ];
    for (const [params, param, rule] of cases) {
      const r = await send(req('echo', params), as('viewer'));
      assert.equal(r.error.code, -32602, JSON.stringify(params));
      assert.equal(r.error.data.param, param);
      assert.equal(r.error.data.rule, rule);
      assert.ok(r.error.data.reason);
    }
    assert.equal(calls.length, before);
  });

  it('passes RpcErrors through with their data', async () => {
    const r = await send(req('missing'), as('viewer'));
    assert.equal(r.error.code, -32010);
    assert.equal(r.error.message, 'Camera not found');
    assert.deepEqual({ resource: r.error.data.resource, id: r.error.data.id }, { resource: 'camera', id: 'camera9' });
  });

  it('-32603 with a request_id for unexpected failures, never the raw message', async () => {
    const r = await send(req('boom'), as('viewer'));
    assert.equal(r.error.code, -32603);
    assert.ok(!JSON.stringify(r).includes('/etc/secret'));
    assert.equal(r.error.data.request_id, r.metadata.request_id);
    assert.ok(internal.includes(r.error.data.request_id));
  });
});
