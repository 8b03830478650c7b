/**
 * The load generator: a process of its own (forked by the orchestrator, commands over IPC),
 * so it never shares the service's event loop. Lean by design for a 2-core machine: raw
 * sockets (lib/raw-ws.ts), request frames serialized once (lib/frames.ts), typed arrays for
 * per-request bookkeeping, receive times taken before any parsing.
 *
 * Every timestamp here is `performance.now()` of this one process (monotonic, sub-µs):
 * latencies and fan-out delays never compare clocks of two processes. The one exception is
 * explicit: when a fan-out trigger's reply carries `event_monotonic_ms` (the service's
 * registry event on CLOCK_MONOTONIC, which every process on the host shares), receipts are
 * also timed from that event (lib/clock.ts).
 */
import { toMonotonic } from './lib/clock.js';
import { RequestTemplate, seqOf } from './lib/frames.js';
import type {
  ChurnCmd,
  ChurnResult,
  CloseCmd,
  CloseResult,
  Command,
  FanoutCmd,
  FanoutEvent,
  FanoutResult,
  LoadCmd,
  LoadResult,
  OpenCmd,
  OpenResult,
  Request,
  Response,
  SerialCmd,
  SerialResult,
  StatusCmd,
  StatusResult,
} from './lib/protocol.js';
import { Metronome } from './lib/metronome.js';
import { clientFrame, openRawWs, parseWsUrl, type RawWs } from './lib/raw-ws.js';
import { distribution } from './lib/stats.js';

interface Group {
  conns: RawWs[];
  dropped: number;
  closeCodes: Record<string, number>;
}

const groups = new Map<string, Group>();
const metronome = new Metronome();
const ignore = () => undefined;
let callSeq = 0;
let runSeq = 0;

function group(name: string): Group {
  const g = groups.get(name);
  if (!g) throw new Error(`no connection group '${name}'`);
  return g;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One request/reply on a connection that has nothing else in flight (setup, churn). */
function call(ws: RawWs, method: string, params: Record<string, unknown> | undefined, timeoutMs: number): Promise<unknown> {
  const id = `c${++callSeq}`;
  return new Promise((resolve, reject) => {
    const prev = ws.onText;
    const timer = setTimeout(() => {
      ws.onText = prev;
      reject(Object.assign(new Error(`no reply to ${method} within ${timeoutMs} ms`), { step: 'timeout' }));
    }, timeoutMs);
    ws.onText = (text) => {
      let m: any;
      try {
        m = JSON.parse(text);
      } catch {
        return;
      }
      if (m?.id !== id) return;
      clearTimeout(timer);
      ws.onText = prev;
      if (m.error) reject(Object.assign(new Error(`${method}: ${m.error.message} (${m.error.code})`), { step: method }));
      else resolve(m.result);
    };
    ws.send(clientFrame(JSON.stringify({ jsonrpc: '2.0', method, ...(params ? { params } : {}), id })));
  });
}

function track(g: Group, ws: RawWs): void {
  ws.onClose = (kind, code) => {
    if (kind === 'client') return;
    g.dropped++;
    const key = `${kind}:${code ?? '-'}`;
    g.closeCodes[key] = (g.closeCodes[key] ?? 0) + 1;
  };
}

async function open(c: OpenCmd): Promise<OpenResult> {
  const ep = parseWsUrl(c.url);
  const g: Group = groups.get(c.group) ?? { conns: [], dropped: 0, closeCodes: {} };
  groups.set(c.group, g);
  if (c.topUp) {
    g.conns = g.conns.filter((ws) => !ws.closed);
    c = { ...c, count: Math.max(0, c.count - g.conns.length) };
  }
  const failed: Record<string, number> = {};
  const errorSamples: string[] = [];
  const setup: number[] = [];
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < c.count) {
      const i = next++;
      const started = performance.now();
      let ws: RawWs | undefined;
      try {
        const addr = c.sourceAddresses.length ? c.sourceAddresses[i % c.sourceAddresses.length] : undefined;
        ws = await openRawWs(ep, { timeoutMs: c.timeoutMs, ...(addr ? { localAddress: addr } : {}) });
        if (c.token) await call(ws, 'authenticate', { auth_token: c.token }, c.timeoutMs);
        if (c.subscribe?.length) await call(ws, 'subscribe_events', { topics: c.subscribe }, c.timeoutMs);
        setup.push(performance.now() - started);
        track(g, ws);
        g.conns.push(ws);
      } catch (err) {
        ws?.destroy();
        const step = (err as { step?: string }).step ?? 'other';
        failed[step] = (failed[step] ?? 0) + 1;
        if (errorSamples.length < 5) errorSamples.push((err as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(c.concurrency, c.count)) }, worker));
  return { opened: setup.length, failed, errorSamples, rampMs: performance.now() - t0, setupMs: distribution(setup) };
}

async function close(c: CloseCmd): Promise<CloseResult> {
  if (c.group === '*') {
    const all = await Promise.all([...groups.keys()].map((group) => close({ cmd: 'close', group })));
    return { closed: all.reduce((n, r) => n + r.closed, 0), ms: Math.max(0, ...all.map((r) => r.ms)) };
  }
  const g = groups.get(c.group);
  if (!g) return { closed: 0, ms: 0 };
  groups.delete(c.group);
  const t0 = performance.now();
  const open = g.conns.filter((ws) => !ws.closed);
  await Promise.all(
    open.map(
      (ws) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => (ws.destroy(), resolve()), 3000);
          ws.onClose = () => (clearTimeout(timer), resolve());
          ws.onText = ignore;
          ws.close();
        }),
    ),
  );
  return { closed: open.length, ms: performance.now() - t0 };
}

const PENDING = 0;
const OK = 1;
const ERROR = 2;

async function load(c: LoadCmd): Promise<LoadResult> {
  const conns = group(c.group).conns;
  if (conns.length === 0) throw new Error(`group ${c.group} has no connections`);
  const tag = `L${(++runSeq).toString(36)}x`;
  const templates = c.requests.map((r) => new RequestTemplate(r, tag));
  const total = Math.max(1, Math.round((c.rate * c.durationMs) / 1000));
  const interval = 1000 / c.rate;
  const sched = new Float64Array(total);
  const sent = new Float64Array(total);
  const done = new Float64Array(total);
  const state = new Uint8Array(total);
  const errorCodes: Record<string, number> = {};
  let answered = 0;
  let sentCount = 0;
  let onAllAnswered: () => void = ignore;

  const onText = (text: string, at: number) => {
    if (text.charCodeAt(0) !== 123 /* { */ || !text.includes(tag)) return; // notifications, other runs
    let m: any;
    try {
      m = JSON.parse(text);
    } catch {
      return;
    }
    const seq = seqOf(m?.id, tag);
    if (seq < 0 || seq >= total || state[seq] !== PENDING) return;
    done[seq] = at;
    if (m.error) {
      state[seq] = ERROR;
      const code = String(m.error.code);
      errorCodes[code] = (errorCodes[code] ?? 0) + 1;
    } else state[seq] = OK;
    if (++answered === total) onAllAnswered();
  };
  for (const ws of conns) ws.onText = onText;

  const cpu0 = process.cpuUsage();
  const start = performance.now() + 5;
  let next = 0;
  /** Sends every request up to `k` (the metronome's tick for request k; -1: all). */
  const tick = (k: number) => {
    const upTo = k < 0 ? total - 1 : k;
    for (; next <= upTo; next++) {
      const ws = conns[next % conns.length]!;
      sched[next] = start + next * interval;
      if (!ws.closed) {
        ws.send(templates[next % templates.length]!.frame(next));
        sent[next] = performance.now();
        sentCount++;
      } else sent[next] = Number.NaN;
    }
  };
  const finished = metronome.run(start, interval, total, tick);
  await finished;
  const wall = performance.now() - start;
  await new Promise<void>((resolve) => {
    if (answered === total) return resolve();
    const timer = setTimeout(resolve, c.timeoutMs);
    onAllAnswered = () => (clearTimeout(timer), resolve());
  });
  const cpu = process.cpuUsage(cpu0);
  for (const ws of conns) ws.onText = ignore;

  const fromSchedule: number[] = [];
  const fromSend: number[] = [];
  const lag: number[] = [];
  let ok = 0;
  let errors = 0;
  for (let i = 0; i < total; i++) {
    if (!Number.isNaN(sent[i]!)) lag.push(sent[i]! - sched[i]!);
    if (state[i] === PENDING) continue;
    if (state[i] === OK) ok++;
    else errors++;
    fromSchedule.push(done[i]! - sched[i]!);
    fromSend.push(done[i]! - sent[i]!);
  }
  return {
    scheduled: total,
    sent: sentCount,
    ok,
    errors,
    lost: total - ok - errors,
    errorCodes,
    fromSchedule: distribution(fromSchedule),
    fromSend: distribution(fromSend),
    sendLag: distribution(lag),
    achievedRate: (sentCount / wall) * 1000,
    generatorCpuPct: ((cpu.user + cpu.system) / 1000 / wall) * 100,
  };
}

async function serial(c: SerialCmd): Promise<SerialResult> {
  const ws = group(c.group).conns.find((x) => !x.closed);
  if (!ws) throw new Error(`group ${c.group} has no open connection`);
  const latency: number[] = [];
  let errors = 0;
  const t0 = performance.now();
  for (let i = 0; i < c.count && performance.now() - t0 < c.maxMs; i++) {
    const t = performance.now();
    try {
      await call(ws, c.request.method, c.request.params, c.timeoutMs);
    } catch {
      errors++;
    }
    latency.push(performance.now() - t);
  }
  ws.onText = ignore;
  return { latency: distribution(latency), errors };
}

async function fanout(c: FanoutCmd): Promise<FanoutResult> {
  const clients = group(c.group).conns.filter((ws) => !ws.closed);
  const control = group(c.control).conns[0];
  if (!control) throw new Error(`control group ${c.control} has no connection`);
  const rtt: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    await call(control, 'ping', undefined, c.timeoutMs);
    rtt.push(performance.now() - t);
  }
  const needles = c.notifications.map((n) => `"${n}"`);
  const events: FanoutEvent[] = [];
  for (let e = 0; e < c.events; e++) {
    const arrival = new Float64Array(clients.length).fill(Number.NaN);
    let received = 0;
    let allIn: () => void = ignore;
    clients.forEach((ws, j) => {
      ws.onText = (text, at) => {
        if (!Number.isNaN(arrival[j]!) || !needles.some((n) => text.includes(n))) return;
        arrival[j] = at;
        if (++received === clients.length) allIn();
      };
    });
    const trigger = c.triggers[e % c.triggers.length]!;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const reply = call(control, trigger.method, trigger.params, c.timeoutMs).then(
      (result) => ({ at: performance.now(), result: result as { event_monotonic_ms?: unknown } | undefined }),
      (err: Error) => ({ at: performance.now(), error: err.message }),
    );
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, c.timeoutMs);
      allIn = () => (clearTimeout(timer), resolve());
    });
    const cpu = process.cpuUsage(cpu0);
    const r = await reply;
    const got = Float64Array.from(arrival.filter((x) => !Number.isNaN(x))).sort();
    const at = (k: number, from = t0) => (got.length ? got[k]! - from : Number.NaN);
    const mid = Math.floor((got.length - 1) / 2);
    const eventMs = 'result' in r && typeof r.result?.event_monotonic_ms === 'number' ? r.result.event_monotonic_ms : undefined;
    // The service's event on this process's performance.now() scale (same clock, other origin).
    const event = eventMs !== undefined ? eventMs - toMonotonic(0) : undefined;
    events.push({
      first: at(0),
      median: at(mid),
      last: at(got.length - 1),
      received: got.length,
      reply: r.at - t0,
      generatorCpu: (cpu.user + cpu.system) / 1000,
      ...(event !== undefined ? { fromEvent: { first: at(0, event), median: at(mid, event), last: at(got.length - 1, event), sendToEvent: event - t0, eventToReply: r.at - event } } : {}),
      ...('error' in r ? { replyError: r.error } : {}),
    });
    for (const ws of clients) ws.onText = ignore;
    await sleep(c.gapMs);
  }
  return { clients: clients.length, events, controlRtt: distribution(rtt) };
}

async function churn(c: ChurnCmd): Promise<ChurnResult> {
  const ep = parseWsUrl(c.url);
  const failed: Record<string, number> = {};
  const errorSamples: string[] = [];
  const sessionMs: number[] = [];
  let started = 0;
  let completed = 0;
  let inFlight = 0;
  const session = async (i: number) => {
    const t = performance.now();
    let ws: RawWs | undefined;
    try {
      const addr = c.sourceAddresses.length ? c.sourceAddresses[i % c.sourceAddresses.length] : undefined;
      ws = await openRawWs(ep, { timeoutMs: c.timeoutMs, ...(addr ? { localAddress: addr } : {}) });
      await call(ws, 'authenticate', { auth_token: c.token }, c.timeoutMs);
      if (c.topics.length) await call(ws, 'subscribe_events', { topics: c.topics }, c.timeoutMs);
      await call(ws, 'get_camera_list', undefined, c.timeoutMs);
      if (c.topics.length) await call(ws, 'unsubscribe_events', undefined, c.timeoutMs);
      const closing = ws;
      await new Promise<void>((resolve) => {
        closing.onClose = () => resolve();
        closing.close();
      });
      completed++;
      sessionMs.push(performance.now() - t);
    } catch (err) {
      ws?.destroy();
      const step = (err as { step?: string }).step ?? 'other';
      failed[step] = (failed[step] ?? 0) + 1;
      if (errorSamples.length < 5) errorSamples.push((err as Error).message);
    }
  };
  const all: Promise<void>[] = [];
  const t0 = performance.now();
  while (performance.now() - t0 < c.durationMs) {
    const due = Math.floor(((performance.now() - t0) / 1000) * c.rate);
    while (started < due && inFlight < c.maxInFlight) {
      inFlight++;
      all.push(session(started++).finally(() => inFlight--));
    }
    await sleep(Math.max(1, 1000 / c.rate));
  }
  await Promise.all(all);
  return { started, completed, failed, errorSamples, sessionMs: distribution(sessionMs) };
}

function status(c: StatusCmd): StatusResult {
  const list = c.group ? [group(c.group)] : [...groups.values()];
  const closeCodes: Record<string, number> = {};
  for (const g of list) for (const [k, v] of Object.entries(g.closeCodes)) closeCodes[k] = (closeCodes[k] ?? 0) + v;
  return {
    open: list.reduce((n, g) => n + g.conns.filter((ws) => !ws.closed).length, 0),
    dropped: list.reduce((n, g) => n + g.dropped, 0),
    closeCodes,
    rssMb: process.memoryUsage.rss() / 1048576,
  };
}

async function handle(c: Command): Promise<unknown> {
  switch (c.cmd) {
    case 'open':
      return open(c);
    case 'close':
      return close(c);
    case 'load':
      return load(c);
    case 'serial':
      return serial(c);
    case 'fanout':
      return fanout(c);
    case 'churn':
      return churn(c);
    case 'status':
      return status(c);
  }
}

if (!process.send) {
  process.stderr.write('bench/generator: run by the bench orchestrator (child_process.fork), not directly\n');
  process.exit(2);
}
process.on('message', (req: Request) => {
  handle(req).then(
    (result) => process.send!({ rid: req.rid, ok: true, result } satisfies Response),
    (err: Error) => process.send!({ rid: req.rid, ok: false, error: err.stack ?? err.message } satisfies Response),
  );
});
process.on('disconnect', () => process.exit(0));
