/**
 * Hostile input, property-based: fast-check generates frames (random JSON, request-shaped
 * objects with wrong types, huge numbers, deep nesting, long strings, unicode and lone
 * surrogates, truncated JSON, binary frames, text frames with broken UTF-8) and they are sent
 * to the real daemon over several connections, one unauthenticated and others as a viewer.
 *
 * Properties: every message back is a valid JSON-RPC response (or a notification), or the
 * connection closes with a protocol error code (1007 bad UTF-8, 1009 too big, before authentication
 * already over 64 KiB); no reply is an
 * internal error; the daemon never crashes or logs an unhandled rejection; and its heap, after
 * a forced garbage collection (through the inspector), returns to the baseline.
 *
 * CAMERA_SERVICE_FUZZ_SEED=<n>|random picks the seed (default fixed, for CI);
 * CAMERA_SERVICE_FUZZ_FRAMES=<n> the number of frames (default 10000).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { WebSocket } from 'ws';
import type { OpenRpcDocument } from '../../../src/api/openrpc.js';
import { freePort } from '../../helpers/ports.js';
import { startService, type RunningService } from '../../helpers/service.js';

const seedEnv = process.env.CAMERA_SERVICE_FUZZ_SEED;
const SEED = seedEnv === 'random' ? (Date.now() ^ (process.pid << 8)) >>> 0 : seedEnv ? Number(seedEnv) : 0x5eed_cafe;
const FRAMES = Number(process.env.CAMERA_SERVICE_FUZZ_FRAMES ?? 10_000);
const WORKERS = 4;
const MAX_PAYLOAD = 256 * 1024;
const PROTOCOL_CLOSE_CODES = new Set([1002, 1007, 1009]);
/** Before authentication a message may be at most this large (limits.unauthenticated_max_message_bytes, default). */
const UNAUTHENTICATED_MAX_MESSAGE = 64 * 1024;

type Frame = { kind: 'text'; text: string } | { kind: 'long'; prefix: string; length: number } | { kind: 'binary'; bytes: Uint8Array } | { kind: 'bad-utf8'; bytes: Uint8Array };

let svc: RunningService;
let methods: string[] = [];
let inspectorPort = 0;

before(async () => {
  inspectorPort = await freePort();
  const saved = process.env.NODE_OPTIONS;
  process.env.NODE_OPTIONS = `${saved ?? ''} --inspect=127.0.0.1:${inspectorPort}`.trim();
  try {
    svc = await startService({
      server: { max_payload_bytes: MAX_PAYLOAD },
      limits: { requests_per_second: 100_000, request_burst: 100_000, unauthenticated_timeout_s: 3600 },
      logging: { level: 'info' },
    });
  } finally {
    if (saved === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = saved;
  }
  methods = ((await (await fetch(`${svc.httpUrl}/openrpc.json`)).json()) as OpenRpcDocument).methods.map((m) => m.name);
});
after(async () => {
  await svc?.stop();
});

/** The generators. */
function frames(methodNames: string[]): fc.Arbitrary<Frame> {
  const method = fc.oneof(fc.constantFrom(...methodNames), fc.string(), fc.string({ unit: 'grapheme' }), fc.anything());
  const id = fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.double(), fc.anything(), fc.constant(undefined));
  const wrongParam = fc.oneof(fc.anything(), fc.string({ unit: 'grapheme', maxLength: 200 }), fc.double(), fc.constantFrom(-1, 0, 1e308, -1e308, 2 ** 53 + 1, 'camera0', 'camera99999999999', '../etc/passwd', '/dev/video0', '.hidden', 'a\u0000b'));
  const params = fc.oneof(
    fc.dictionary(fc.constantFrom('device', 'filename', 'topics', 'filters', 'auth_token', 'limit', 'offset', 'format', 'quality', 'duration', 'stream_url'), wrongParam),
    fc.object(),
    fc.anything(),
  );
  const request = fc.record({ jsonrpc: fc.oneof(fc.constant('2.0'), fc.anything()), method, params, id }, { requiredKeys: [] });
  const wellFormed = fc.record({ jsonrpc: fc.constant('2.0'), method: fc.constantFrom(...methodNames), params: fc.dictionary(fc.string(), wrongParam), id: fc.integer() });
  const stringify = (v: unknown) => JSON.stringify(v) ?? 'undefined';
  const text = (a: fc.Arbitrary<string>) => a.map((t): Frame => ({ kind: 'text', text: t }));
  const hugeNumber = fc.oneof(
    fc.constantFrom('1e400', '-1e400', '1e-400', '123456789012345678901234567890', '0.0000000000000000000000001', '-0', '1E+9999999'),
    fc.bigInt().map(String),
    fc.integer({ min: 20, max: 5000 }).map((n) => '9'.repeat(n)),
  );
  const nest = fc.record({ depth: fc.integer({ min: 10, max: 100_000 }), open: fc.constantFrom('[', '{"a":') });
  return fc.oneof(
    { weight: 3, arbitrary: text(fc.json()) },
    { weight: 6, arbitrary: text(request.map(stringify)) },
    { weight: 4, arbitrary: text(wellFormed.map(stringify)) },
    { weight: 2, arbitrary: text(fc.array(fc.oneof(request, wellFormed, fc.anything()), { maxLength: 30 }).map(stringify)) },
    { weight: 2, arbitrary: text(fc.tuple(fc.constantFrom(...methodNames), hugeNumber, fc.constantFrom('id', 'limit', 'quality')).map(([m, n, k]) => (k === 'id' ? `{"jsonrpc":"2.0","method":"${m}","id":${n}}` : `{"jsonrpc":"2.0","method":"${m}","params":{"${k}":${n}},"id":1}`))) },
    {
      weight: 2,
      arbitrary: text(
        fc.tuple(nest, fc.constantFrom(...methodNames), fc.boolean()).map(([{ depth, open }, m, inParams]) => {
          const close = open === '[' ? ']' : '}';
          const deep = `${open.repeat(depth)}1${close.repeat(depth)}`;
          return inParams ? `{"jsonrpc":"2.0","method":"${m}","params":{"topics":${deep},"filters":${deep}},"id":2}` : deep;
        }),
      ),
    },
    { weight: 1, arbitrary: fc.record({ length: fc.integer({ min: 1000, max: MAX_PAYLOAD + 4096 }), prefix: fc.constantFrom('{"jsonrpc":"2.0","method":"authenticate","params":{"auth_token":"', '{"jsonrpc":"2.0","method":"', '["') }).map((r): Frame => ({ kind: 'long', ...r })) },
    { weight: 2, arbitrary: text(fc.tuple(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.constantFrom(...methodNames)).map(([u, m]) => JSON.stringify({ jsonrpc: '2.0', method: m, params: { device: u, filename: u, [u]: u }, id: u }))) },
    { weight: 1, arbitrary: text(fc.constantFrom('"\\ud800"', '{"jsonrpc":"2.0","method":"ping\\udfff","id":"\\ud83d"}', '{"jsonrpc":"2.0","method":"authenticate","params":{"auth_token":"\\ud800x"},"id":3}')) },
    { weight: 2, arbitrary: text(fc.tuple(wellFormed.map(stringify), fc.nat()).map(([s, n]) => s.slice(0, n % Math.max(1, s.length)))) },
    { weight: 1, arbitrary: text(fc.string({ unit: 'binary', maxLength: 500 })) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 2000 }).map((bytes): Frame => ({ kind: 'binary', bytes })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(wellFormed.map(stringify), fc.constantFrom([0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xc3], [0xff], [0xed, 0xa0, 0x80], [0xc0, 0xaf]))
        .map(([s, tail]): Frame => ({ kind: 'bad-utf8', bytes: Buffer.concat([Buffer.from(s.slice(0, -2)), Buffer.from(tail)]) })),
    },
  );
}

function payloadOf(f: Frame): { data: string | Uint8Array; binary: boolean; size: number } {
  switch (f.kind) {
    case 'text':
      return { data: f.text, binary: false, size: Buffer.byteLength(f.text) };
    case 'long': {
      const text = f.prefix + 'A'.repeat(f.length);
      return { data: text, binary: false, size: text.length };
    }
    case 'binary':
      return { data: f.bytes, binary: true, size: f.bytes.length };
    case 'bad-utf8':
      return { data: f.bytes, binary: false, size: f.bytes.length };
  }
}

/** A problem with one server message, or undefined when it is a valid response or notification. */
export function messageProblem(text: string): string | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  const one = (r: any): string | undefined => {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) return 'not an object';
    if (r.jsonrpc !== '2.0') return 'jsonrpc is not "2.0"';
    if (typeof r.method === 'string' && !('id' in r)) return undefined; // a notification
    if (!('id' in r) || !(r.id === null || typeof r.id === 'string' || typeof r.id === 'number')) return 'bad id';
    if (('result' in r) === ('error' in r)) return 'needs exactly one of result and error';
    if ('error' in r) {
      const e = r.error;
      if (!Number.isInteger(e?.code) || typeof e.message !== 'string') return 'bad error object';
      if (typeof e.data?.reason !== 'string') return 'error without data.reason';
      if (e.code === -32603) return 'internal error';
      if (/\n\s+at |node_modules|\/dist\/src\//.test(JSON.stringify(e))) return 'leaks a stack or a path';
    }
    return undefined;
  };
  if (Array.isArray(v)) return v.length === 0 ? 'empty batch reply' : v.map(one).find((p) => p !== undefined);
  return one(v);
}

/** Heap in use by the daemon after a full garbage collection, through its inspector. */
async function daemonHeapAfterGc(): Promise<number> {
  const [target] = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
  const ws = new WebSocket(target!.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  let next = 1;
  const call = (method: string) =>
    new Promise<any>((resolve) => {
      const id = next++;
      const onMessage = (d: Buffer) => {
        const m = JSON.parse(d.toString());
        if (m.id === id) (ws.off('message', onMessage), resolve(m.result));
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ id, method }));
    });
  await call('HeapProfiler.collectGarbage');
  await call('HeapProfiler.collectGarbage');
  const { usedSize } = (await call('Runtime.getHeapUsage')) as { usedSize: number };
  ws.close();
  return usedSize;
}

interface Stats {
  sent: number;
  replies: number;
  closes: Map<number, number>;
  problems: string[];
}

/** One worker: sends its frames one at a time, each followed by a ping that paces it. */
async function worker(list: Frame[], token: string | undefined, stats: Stats, name: string): Promise<void> {
  let ws: WebSocket | undefined;
  let onText: ((text: string) => void) | undefined;
  let closedWith: ((code: number) => void) | undefined;
  const connect = async () => {
    ws = new WebSocket(svc.wsUrl, { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
    ws.on('message', (d, isBinary) => {
      const text = d.toString();
      if (isBinary) stats.problems.push(`${name}: binary message from the server`);
      stats.replies++;
      const p = messageProblem(text);
      if (p) stats.problems.push(`${name}: ${p}: ${text.slice(0, 300)}`);
      onText?.(text);
    });
    ws.on('close', (code) => closedWith?.(code));
    ws.on('error', () => undefined);
    await new Promise((resolve, reject) => (ws!.once('open', resolve), ws!.once('error', reject)));
    if (token) {
      await exchange(JSON.stringify({ jsonrpc: '2.0', method: 'authenticate', params: { auth_token: token }, id: 'auth' }), false, 'auth');
    }
  };
  /** Sends data then a sentinel ping; resolves with the close code if the connection closed, else undefined. */
  const exchange = (data: string | Uint8Array, binary: boolean, sentinel: string) =>
    new Promise<number | undefined>((resolve) => {
      onText = (text) => text.includes(`"id":"${sentinel}"`) && resolve(undefined);
      closedWith = (code) => resolve(code);
      ws!.send(data, { binary });
      if (sentinel !== 'auth') ws!.send(JSON.stringify({ jsonrpc: '2.0', method: 'ping', id: sentinel }));
    });
  await connect();
  for (const [i, f] of list.entries()) {
    const { data, binary, size } = payloadOf(f);
    const code = await exchange(data, binary, `s-${i}`);
    stats.sent++;
    if (code === undefined) continue;
    stats.closes.set(code, (stats.closes.get(code) ?? 0) + 1);
    const tooBig = size > MAX_PAYLOAD || (token === undefined && size > UNAUTHENTICATED_MAX_MESSAGE);
    const explained = (code === 1009 && tooBig) || (code === 1007 && f.kind === 'bad-utf8');
    if (!PROTOCOL_CLOSE_CODES.has(code) || !explained) stats.problems.push(`${name}: closed with ${code} after a ${f.kind} frame of ${size} bytes`);
    await connect();
  }
  ws!.close();
}

describe('fuzzing the WebSocket API', () => {
  it(`${FRAMES} generated frames (seed ${SEED}): valid replies or protocol closes; no crash, no leak`, async (t) => {
    t.diagnostic(`seed ${SEED} (CAMERA_SERVICE_FUZZ_SEED=${SEED} repeats this run)`);
    const all = fc.sample(frames(methods), { seed: SEED, numRuns: FRAMES });
    // Warm up (JIT, caches, first connections) before taking the baseline.
    const warm: Stats = { sent: 0, replies: 0, closes: new Map(), problems: [] };
    await worker(fc.sample(frames(methods), { seed: SEED + 1, numRuns: 300 }), undefined, warm, 'warm-up');
    const baseline = await daemonHeapAfterGc();

    const stats: Stats = { sent: 0, replies: 0, closes: new Map(), problems: [] };
    const viewer = await svc.token('viewer');
    const started = performance.now();
    await Promise.all(
      Array.from({ length: WORKERS }, (_, w) =>
        worker(all.filter((_f, i) => i % WORKERS === w), w === 0 ? undefined : viewer, stats, w === 0 ? 'anonymous' : `viewer-${w}`),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    const heap = await daemonHeapAfterGc();
    t.diagnostic(`${stats.sent} frames in ${seconds.toFixed(1)} s, ${stats.replies} messages back, closes ${JSON.stringify([...stats.closes])}; heap ${(baseline / 1048576).toFixed(1)} → ${(heap / 1048576).toFixed(1)} MiB`);

    assert.deepEqual(stats.problems.slice(0, 20), [], `seed ${SEED}`);
    assert.equal(stats.sent, FRAMES);
    assert.equal(svc.proc.exitCode, null, 'the daemon is running');
    const bad = svc.logs.filter((l) => l.level >= 50 || /unhandled|uncaught/i.test(l.msg));
    assert.deepEqual(bad.slice(0, 5), [], 'no error, unhandled rejection or uncaught exception logged');
    assert.ok(heap <= baseline + 4 * 1024 * 1024, `heap returns to baseline: ${baseline} → ${heap} bytes`);
    // And it still serves.
    assert.equal((await fetch(`${svc.httpUrl}/health/ready`)).status, 200);
  });
});
