/** Command-line options of `npm run bench` and `npm run soak`. */
import { parseArgs } from 'node:util';
import { configSchema } from '../../src/config/schema.js';

/** The shipped `server.heartbeat_interval_s` (the bench's service runs with it). */
export const HEARTBEAT_S = Number((configSchema.properties?.server?.properties?.heartbeat_interval_s as { default?: unknown } | undefined)?.default ?? 30);
/** The connections scenario holds long enough to cross two heartbeat intervals (issue 14: no tail may depend on a heartbeat tick). */
const DEFAULT_HOLD_S = 2 * HEARTBEAT_S + 5;

export interface BenchOptions {
  target?: string;
  token?: string;
  targetPid?: number;
  sideBySide: boolean;
  compare?: string;
  out: string;
  only?: string[];
  skip: string[];
  repeats: number;
  /** Seconds per latency cell (one method at one rate). */
  duration: number;
  rates: number[];
  /** Only these methods in the latency scenario (default: every one the server offers). */
  methods?: string[];
  /** Authenticated connections the latency load is spread over. */
  connections: number;
  /** Connections to ramp to in the connections scenario. */
  maxConnections: number;
  /** Seconds to hold them (with pings) after the ramp. */
  hold: number;
  holdRate: number;
  memoryClients: number;
  fanoutClients: number[];
  fanoutEvents: number;
  /** `method` or `method:{json params}`; repeat for on/off pairs. */
  fanoutTrigger: string[];
  /** Seconds a fresh service is left alone before its idle memory is read. */
  settle: number;
  /** Seconds after ready at which the memory scenario reads the steady idle figure. */
  idle: number;
  /** NAME=VALUE pairs for the service process (self only), e.g. NODE_OPTIONS=--max-semi-space-size=1. */
  serviceEnv: Record<string, string>;
  /** Node flags of the started service instead of the shipped src/node-flags.ts ("" for none). */
  nodeFlags: string[] | undefined;
  /** Node binary of the started service (default: the one running the bench). */
  node: string | undefined;
  /** Samples per figure of the waits scenario. */
  waitsSamples: number;
  /** Unauthenticated attacker connections of the admission scenario. */
  attackers: number;
  smoke: boolean;
}

export const BENCH_USAGE = `usage: npm run bench -- [options]
  --target URL          measure another server of the same contract (ws://127.x.x.x:port/path; loopback only)
  --token T             token for --target (used for every connection)
  --target-pid PID      the target's process, for memory figures (/proc/PID)
  --side-by-side        with --target: measure this service too, in the same run
  --compare FILE        print each figure beside the same figure of an older results file
  --out DIR             where results go (default bench/results)
  --only a,b / --skip a,b   scenarios by name: memory, latency, connections, fanout, cameras, waits, mqtt, admission
  --repeats N           runs per figure (default 3)
  --duration S          seconds per latency cell (default 2)
  --rates a,b,c         req/s (default 500,1000,2000)
  --methods a,b         only these methods in the latency scenario
  --connections N       connections the latency load is spread over (default 1000)
  --max-connections N   ramp target (default 10000)
  --hold S              seconds to hold the ramped connections while pinging (default ${DEFAULT_HOLD_S}: two heartbeat intervals of ${HEARTBEAT_S} s + 5)
  --idle S              seconds after ready at which the memory scenario reads idle RSS (default 20); e.g.
                        --only memory --idle 300 for an idle daemon's first minutes
  --fanout-clients a,b  (default 1000,5000)   --fanout-events N (default 30)
  --fanout-trigger M[:JSON]   a request that makes every client get camera_status_update; give two for on/off
  --service-env N=V     environment of the started service (repeatable), for tuning experiments,
                        e.g. --service-env MALLOC_ARENA_MAX=2 --compare <baseline>
  --node-flags="F ..." Node flags of the started service instead of the shipped ones (src/node-flags.ts;
                        "" for none), e.g. --node-flags="--lite-mode" --compare <baseline>
  --node PATH           Node binary of the started service (default: the one running the bench), e.g.
                        --node "$(scripts/provision-node.sh)" for the Node LTS
  --waits-samples N     samples per figure of the waits scenario (default 50)
  --attackers N         unauthenticated attacker connections of the admission scenario (default 1000)
  --smoke               tiny numbers (seconds): keeps the suite working in CI; figures are meaningless`;

const list = (s: string | undefined, dflt: number[]) => (s ? s.split(',').map(Number).filter((n) => n > 0) : dflt);
const num = (s: string | undefined, dflt: number) => (s === undefined ? dflt : Number(s));

export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      target: { type: 'string' },
      token: { type: 'string' },
      'target-pid': { type: 'string' },
      'side-by-side': { type: 'boolean' },
      compare: { type: 'string' },
      out: { type: 'string' },
      only: { type: 'string' },
      skip: { type: 'string' },
      repeats: { type: 'string' },
      duration: { type: 'string' },
      rates: { type: 'string' },
      methods: { type: 'string' },
      connections: { type: 'string' },
      'max-connections': { type: 'string' },
      hold: { type: 'string' },
      idle: { type: 'string' },
      'fanout-clients': { type: 'string' },
      'fanout-events': { type: 'string' },
      'fanout-trigger': { type: 'string', multiple: true },
      'service-env': { type: 'string', multiple: true },
      'node-flags': { type: 'string' },
      node: { type: 'string' },
      smoke: { type: 'boolean' },
      'waits-samples': { type: 'string' },
      attackers: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${BENCH_USAGE}\n`);
    process.exit(0);
  }
  const smoke = values.smoke ?? false;
  const o: BenchOptions = {
    target: values.target,
    token: values.token,
    targetPid: values['target-pid'] ? Number(values['target-pid']) : undefined,
    sideBySide: values['side-by-side'] ?? false,
    compare: values.compare,
    out: values.out ?? 'bench/results',
    only: values.only?.split(','),
    skip: values.skip?.split(',') ?? [],
    repeats: num(values.repeats, smoke ? 2 : 3),
    duration: num(values.duration, smoke ? 0.3 : 2),
    rates: list(values.rates, smoke ? [100] : [500, 1000, 2000]),
    methods: values.methods?.split(','),
    connections: num(values.connections, smoke ? 20 : 1000),
    maxConnections: num(values['max-connections'], smoke ? 50 : 10000),
    hold: num(values.hold, smoke ? 1 : DEFAULT_HOLD_S),
    holdRate: smoke ? 50 : 500,
    memoryClients: smoke ? 10 : 100,
    fanoutClients: list(values['fanout-clients'], smoke ? [20] : [1000, 5000]),
    fanoutEvents: num(values['fanout-events'], smoke ? 4 : 30),
    fanoutTrigger: values['fanout-trigger'] ?? [],
    settle: smoke ? 0.3 : 3,
    idle: num(values.idle, smoke ? 0 : 20),
    waitsSamples: num(values['waits-samples'], smoke ? 1 : 50),
    attackers: num(values.attackers, smoke ? 250 : 1000),
    serviceEnv: Object.fromEntries(
      (values['service-env'] ?? []).map((kv) => {
        const i = kv.indexOf('=');
        if (i < 1) throw new Error(`--service-env wants NAME=VALUE (got ${kv})`);
        return [kv.slice(0, i), kv.slice(i + 1)];
      }),
    ),
    nodeFlags: values['node-flags']?.split(' ').filter(Boolean),
    node: values['node'],
    smoke,
  };
  if (o.target && !o.token) throw new Error('--target needs --token');
  if (!(o.idle >= 0)) throw new Error('--idle must be a number of seconds');
  for (const [k, v] of Object.entries({ repeats: o.repeats, duration: o.duration, connections: o.connections, 'max-connections': o.maxConnections, hold: o.hold }))
    if (!(v > 0)) throw new Error(`--${k} must be a positive number`);
  return o;
}

export interface SoakOptions {
  target?: string;
  token?: string;
  targetPid?: number;
  out: string;
  /** Total length in seconds (--minutes N, default 10; --seconds for tests). */
  seconds: number;
  clients: number;
  rate: number;
  churn: number;
}

export const SOAK_USAGE = `usage: npm run soak -- [--minutes N | --seconds N] [--clients N] [--rate R] [--churn C]
                      [--target URL --token T [--target-pid PID]] [--out DIR]
  --minutes N     length (default 10)
  --clients N     persistent authenticated, subscribed clients (default 200)
  --rate R        requests/s spread over them (default 200)
  --churn C       sessions/s that connect, authenticate, subscribe, call, unsubscribe, close (default 20)`;

export function parseSoakArgs(argv: string[]): SoakOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      target: { type: 'string' },
      token: { type: 'string' },
      'target-pid': { type: 'string' },
      out: { type: 'string' },
      minutes: { type: 'string' },
      seconds: { type: 'string' },
      clients: { type: 'string' },
      rate: { type: 'string' },
      churn: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${SOAK_USAGE}\n`);
    process.exit(0);
  }
  const o: SoakOptions = {
    target: values.target,
    token: values.token,
    targetPid: values['target-pid'] ? Number(values['target-pid']) : undefined,
    out: values.out ?? 'bench/results',
    seconds: values.seconds ? Number(values.seconds) : num(values.minutes, 10) * 60,
    clients: num(values.clients, 200),
    rate: num(values.rate, 200),
    churn: num(values.churn, 20),
  };
  if (o.target && !o.token) throw new Error('--target needs --token');
  if (!(o.seconds > 0)) throw new Error('--minutes must be positive');
  return o;
}
