/**
 * /metrics of the real daemon (managed MediaMTX, a streaming test-pattern camera whose FFmpeg
 * is killed once) against the list of metric families in src/observability/metric-names.ts:
 * types and label sets as listed, bounded label values, and every metric the alert rules and
 * the Grafana dashboard query. Families the list names but no module exports yet are reported
 * as a TODO with who adds them.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { familyOfSample, METRIC_FAMILIES } from '../../../src/observability/metric-names.js';
import { processesMatching, ROOT, startService, until, type RunningService } from '../../helpers/service.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
interface Exposition {
  types: Map<string, string>;
  samples: Sample[];
}

/** Parses the Prometheus text exposition format (version 0.0.4). */
function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
    assert.ok(m, `exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    const raw = m[3]!;
    samples.push({ name: m[1]!, labels, value: raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw) });
  }
  return { types, samples };
}

/** Metric names a PromQL expression reads (labels, grouping clauses and functions left out). */
function metricNames(expr: string): string[] {
  const cleaned = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\b(?:by|without|on|ignoring)\s*\([^)]*\)/g, '');
  return [...new Set(cleaned.match(/\bcamera_service_[a-z0-9_]+/g) ?? [])];
}

const familyOf = (sample: string, types: Map<string, string>) =>
  types.has(sample) ? sample : ['_bucket', '_sum', '_count'].map((s) => (sample.endsWith(s) ? sample.slice(0, -s.length) : '')).find((n) => n && types.get(n) === 'histogram');

describe('/metrics of the running daemon', () => {
  let svc: RunningService;
  let expo: Exposition;
  let cameraIds: string[];

  before(async () => {
    svc = await startService({ test_cameras: { patterns: [{ name: 'metrics', width: 320, height: 240, fps: 15 }] }, streaming: { default_mode: 'always_on' } });
    const c = await svc.client('admin');
    cameraIds = (await c.call('get_camera_list')).cameras.map((x: { device: string }) => x.device);
    assert.deepEqual(cameraIds, ['camera0']);
    // Calls with outcomes ok and error, and many unknown method names (which must not become label values).
    await c.call('ping');
    await c.call('get_camera_status', { device: 'camera99' }).catch(() => undefined);
    for (let i = 0; i < 20; i++) await c.call(`no_such_method_${i}`, {}).catch(() => undefined);
    await c.close();

    const scrape = async () => parseExposition(await (await fetch(`${svc.httpUrl}/metrics`)).text());
    const value = (e: Exposition, name: string, camera = 'camera0') => e.samples.find((s) => s.name === name && s.labels.camera === camera)?.value ?? 0;
    // The publisher delivers frames; then it is killed once so that restart and exit metrics have samples.
    await until(async () => value(await scrape(), 'camera_service_stream_fps') > 0, 20000, 'delivered fps on /metrics');
    const [publisher] = processesMatching('ffmpeg', `:${svc.rtspPort}/camera0`);
    assert.ok(publisher, 'the FFmpeg publisher runs');
    process.kill(publisher, 'SIGKILL');
    await until(async () => value(await scrape(), 'camera_service_ffmpeg_restarts_total') >= 1, 20000, 'the restart counted');
    await until(async () => value(await scrape(), 'camera_service_stream_fps') > 0, 20000, 'delivering again');
    expo = await scrape();
  });
  after(() => svc?.stop());

  it('is the Prometheus text format with every name prefixed camera_service_', async () => {
    const res = await fetch(`${svc.httpUrl}/metrics`);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    for (const name of expo.types.keys()) assert.match(name, /^camera_service_/);
  });

  it('each listed family that is exported has the listed type and exactly the listed labels', () => {
    for (const family of METRIC_FAMILIES) {
      const type = expo.types.get(family.name);
      if (!type) continue;
      assert.equal(type, family.type, `${family.name} type`);
      const samples = expo.samples.filter((s) => familyOf(s.name, expo.types) === family.name);
      for (const s of samples) {
        const names = Object.keys(s.labels).filter((l) => !(family.type === 'histogram' && l === 'le')).sort();
        assert.deepEqual(names, [...family.labels].sort(), `${s.name} labels ${JSON.stringify(s.labels)}`);
      }
    }
  });

  it('per-camera families have samples for the camera, with its id as the only camera label value', () => {
    for (const name of ['camera_up', 'stream_configured_fps', 'stream_fps', 'stream_active', 'ffmpeg_restarts_total', 'ffmpeg_exits_total', 'stream_template_info']) {
      const full = `camera_service_${name}`;
      if (!expo.types.has(full)) continue; // reported by the TODO test below
      const samples = expo.samples.filter((s) => s.name === full);
      assert.ok(samples.length > 0, `${full} has samples`);
      assert.deepEqual([...new Set(samples.map((s) => s.labels.camera))], cameraIds, full);
    }
    const up = expo.samples.find((s) => s.name === 'camera_service_camera_up');
    if (up) assert.equal(up.value, 1);
    const exits = expo.samples.filter((s) => s.name === 'camera_service_ffmpeg_exits_total');
    if (exits.length) assert.ok(exits.some((s) => s.labels.code === 'SIGKILL' || s.labels.code === '137' || s.labels.code === '-9'), `the killed publisher's exit: ${JSON.stringify(exits)}`);
  });

  it('labels stay bounded: unknown method names are counted as "unknown", outcomes are a small enum', () => {
    const rpc = expo.samples.filter((s) => s.name === 'camera_service_rpc_duration_seconds_count');
    const methods = new Set(rpc.map((s) => s.labels.method));
    assert.ok(methods.has('ping'));
    assert.ok(methods.has('unknown'), `unknown methods: ${[...methods].join(', ')}`);
    assert.ok(![...methods].some((m) => m?.startsWith('no_such_method')), 'no label value per unknown method name');
    for (const s of rpc) assert.ok(['ok', 'error', 'internal_error', 'rate_limited'].includes(s.labels.outcome ?? ''), s.labels.outcome);
    assert.ok(rpc.some((s) => s.labels.outcome === 'error'));
  });

  it("the unit's memory and CPU against their limits", () => {
    const v = (n: string) => expo.samples.find((s) => s.name === `camera_service_${n}`)?.value ?? NaN;
    assert.ok(v('memory_usage_bytes') > 0);
    assert.ok(v('memory_limit_bytes') >= v('memory_usage_bytes') || v('memory_limit_bytes') > 0);
    assert.ok(v('cpu_usage_seconds_total') >= 0);
    assert.ok(v('cpu_limit_cores') > 0);
  });

  it('every metric the alert rules and the dashboard query is listed and exported', () => {
    const rules = (parse(readFileSync(join(ROOT, 'deploy/prometheus/camera-service.rules.yml'), 'utf8')) as { groups: { rules: { expr: string }[] }[] }).groups.flatMap((g) => g.rules.map((r) => r.expr));
    const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/camera-service.json'), 'utf8')) as { panels: { targets?: { expr: string }[] }[] };
    const used = new Set([...rules, ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((x) => x.expr))].flatMap(metricNames));
    const missing: string[] = [];
    for (const name of used) {
      const family = familyOfSample(name);
      assert.ok(family, `${name} is listed in metric-names.ts`);
      if (!expo.types.has(family.name)) missing.push(`${family.name} (${family.from})`);
    }
    // prom-client's default process_*/nodejs_* families are listed only where the rules or dashboard use them.
    const unlisted = [...expo.types.keys()].filter((n) => !/^camera_service_(process|nodejs)_/.test(n) && !METRIC_FAMILIES.some((f) => f.name === n));
    assert.deepEqual(unlisted, [], 'exported but not in metric-names.ts (add them to the list)');
    assert.deepEqual([...new Set(missing)], [], 'queried by the rules or the dashboard but not exported');
  });

  it('every listed family is exported', () => {
    // Families registered only under a configuration this daemon does not have (`when`, e.g. mqtt.url set) are checked by their module's tests.
    const missing = METRIC_FAMILIES.filter((f) => !f.when && !expo.types.has(f.name)).map((f) => `${f.name} (${f.from})`);
    assert.deepEqual(missing, [], 'listed in metric-names.ts but not exported');
  });
});
