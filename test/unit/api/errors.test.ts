import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Dispatcher } from '../../../src/api/rpc/dispatcher.js';
import { ERROR_CATALOG, errorDataFor, rpcErrors, scrubText } from '../../../src/api/rpc/errors.js';
import { defineMethod, MethodRegistry } from '../../../src/api/rpc/registry.js';
import type { Session } from '../../../src/api/session.js';
import { TokenBucket } from '../../../src/api/limits/token-bucket.js';
import { t } from '../../../src/lib/schema.js';

const registry = new MethodRegistry().add(
  defineMethod({ name: 'ping', minRole: 'none', summary: '', params: t.object({}), result: {}, handler: () => 'pong' }),
  defineMethod({
    name: 'crash',
    minRole: 'viewer',
    summary: '',
    params: t.object({}),
    result: {},
    handler: () => {
      throw new Error('ENOENT: open /var/lib/camera-service/recordings/x.mp4');
    },
  }),
  defineMethod({
    name: 'mediamtx',
    minRole: 'viewer',
    summary: '',
    params: t.object({}),
    result: {},
    handler: () => {
      throw rpcErrors.dependency('mediamtx', 'the path could not be added', 'HTTP 400 {"error":"invalid source: /dev/video0"}');
    },
  }),
);
const d = new Dispatcher(registry);
const as = (role: 'viewer' | 'admin'): Session => ({ id: 's', remote: '127.0.0.1', auth: { role, userId: 'u', expiresAt: Infinity, method: 'jwt' } });
const call = async (method: string, session: Session) => JSON.parse((await d.handleFrame(JSON.stringify({ jsonrpc: '2.0', method, id: 1 }), session))!);

describe('error catalog', () => {
  it('every factory carries reason plus the catalog\'s data fields', () => {
    const made = [
      rpcErrors.parse('x'),
      rpcErrors.invalidRequest('x', 'h'),
      rpcErrors.methodNotFound('m'),
      rpcErrors.invalidParams('p', 'r', 'x'),
      rpcErrors.internal('req-1'),
      rpcErrors.auth('x'),
      rpcErrors.permission('admin', 'viewer'),
      rpcErrors.notFound('camera', 'camera9'),
      rpcErrors.invalidState('x', 'DISCONNECTED', ['CONNECTED']),
      rpcErrors.unsupported('x', 'f'),
      rpcErrors.rateLimited(10),
      rpcErrors.dependency('ffmpeg', 'x', 'y'),
    ];
    assert.deepEqual(made.map((e) => e.code), ERROR_CATALOG.map((e) => e.code));
    for (const [i, e] of made.entries()) {
      assert.deepEqual(Object.keys(e.data).sort(), [...ERROR_CATALOG[i]!.data].sort(), String(e.code));
      // -32010 names what was not found ("Camera not found"; issue 15 item 9), the others use the catalog's message.
      if (e.code === -32010) assert.equal(e.message, 'Camera not found');
      else assert.equal(e.message, ERROR_CATALOG[i]!.message);
    }
  });

  it('-32010 messages read naturally', () => {
    assert.equal(rpcErrors.notFound('recording', 'x.mp4').message, 'Recording not found');
    assert.equal(rpcErrors.notFound('snapshot', 'x.jpg').message, 'Snapshot not found');
    assert.equal(rpcErrors.notFound('external stream', 'rtsp://h/x').message, 'External stream not found');
    assert.equal(rpcErrors.notFound('test camera', 'nope').message, 'Test camera not found');
  });

  it('scrubs file paths and everything after the first line, keeps URLs and single-segment paths', () => {
    assert.equal(scrubText('open /dev/video0 failed\n    at Foo (/app/x.js:1:1)'), 'open <path> failed');
    assert.equal(scrubText("'/var/lib/x/y.mp4' missing"), "'<path>' missing");
    assert.equal(scrubText('rtsp://host:8554/camera0 GET /openrpc.json'), 'rtsp://host:8554/camera0 GET /openrpc.json');
    assert.equal(scrubText('x'.repeat(1000)).length, 301);
  });

  it('admins get data.details; others get no details and a generic dependency detail', () => {
    const e = rpcErrors.dependency('mediamtx', 'r', 'raw MediaMTX body');
    assert.deepEqual(errorDataFor(e, true, 'req-1'), { reason: 'r', dependency: 'mediamtx', detail: 'raw MediaMTX body', details: 'raw MediaMTX body' });
    const shown = errorDataFor(e, false, 'req-1');
    assert.ok(!JSON.stringify(shown).includes('raw MediaMTX body'));
    assert.equal(shown.dependency, 'mediamtx');
    assert.equal(shown.request_id, 'req-1');
    assert.equal(typeof shown.detail, 'string');
  });
});

describe('dispatcher: internal and dependency errors by role', () => {
  it('-32603 never shows the message to a viewer; an admin gets it as details', async () => {
    const v = await call('crash', as('viewer'));
    assert.equal(v.error.code, -32603);
    assert.deepEqual(Object.keys(v.error.data).sort(), ['reason', 'request_id']);
    assert.ok(!JSON.stringify(v).includes('/var/lib') && !JSON.stringify(v).includes('ENOENT'));
    const a = await call('crash', as('admin'));
    assert.match(a.error.data.details, /ENOENT: open \/var\/lib/);
    assert.ok(!String(a.error.data.details).includes('    at '), 'no stack');
  });

  it('-32050 keeps the MediaMTX response from non-admins', async () => {
    const v = await call('mediamtx', as('viewer'));
    assert.equal(v.error.code, -32050);
    assert.ok(!JSON.stringify(v).includes('HTTP 400') && !JSON.stringify(v).includes('/dev/video0'));
    assert.deepEqual(Object.keys(v.error.data).sort(), ['dependency', 'detail', 'reason', 'request_id']);
    const a = await call('mediamtx', as('admin'));
    assert.match(a.error.data.details, /HTTP 400/);
  });
});

describe('dispatcher: rate limit', () => {
  it('counts each batch element; refused ones answer -32040 with retry_after_ms and do not run', async () => {
    let now = 0;
    const bucket = new TokenBucket(3, 1, () => now);
    const batch = Array.from({ length: 5 }, (_, i) => ({ jsonrpc: '2.0', method: 'ping', id: i }));
    const r = JSON.parse((await d.handleFrame(JSON.stringify(batch), as('viewer'), bucket))!) as any[];
    assert.deepEqual(r.map((x) => x.result ?? x.error.code), ['pong', 'pong', 'pong', -32040, -32040]);
    assert.equal(r[3].error.data.retry_after_ms, 1000);
    assert.equal(r[3].error.data.reason.length > 0, true);
    // Envelope errors and parse errors count too.
    assert.equal(JSON.parse((await d.handleFrame('{', as('viewer'), bucket))!).error.code, -32040);
    now = 1000;
    assert.equal(JSON.parse((await d.handleFrame('{', as('viewer'), bucket))!).error.code, -32700);
    assert.equal(JSON.parse((await d.handleFrame('{"jsonrpc":"2.0","method":"ping","id":9}', as('viewer'), bucket))!).error.code, -32040);
  });
});
