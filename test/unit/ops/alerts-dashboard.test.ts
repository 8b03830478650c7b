/**
 * The Prometheus alert rules and the Grafana dashboard in deploy/: well-formed, the thresholds
 * of the operations issue, runbook links that resolve in docs/operations.md, and only metric
 * names listed in src/observability/metric-names.ts (the integration test checks that list
 * against a running daemon's /metrics).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { familyOfSample, METRIC_FAMILIES } from '../../../src/observability/metric-names.js';
import { skipUnlessPresent } from '../../helpers/required.js';

const promtool = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const RULES_FILE = join(ROOT, 'deploy', 'prometheus', 'camera-service.rules.yml');
const DASHBOARD_FILE = join(ROOT, 'deploy', 'grafana', 'camera-service.json');

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules = (parse(readFileSync(RULES_FILE, 'utf8')) as { groups: { name: string; rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
const alert = (name: string) => {
  const r = rules.find((x) => x.alert === name);
  assert.ok(r, `alert ${name} exists`);
  return r;
};

interface Panel {
  type: string;
  id: number;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { expr: string; refId: string }[];
}
const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as { uid: string; title: string; panels: Panel[]; templating: { list: { name: string; query: unknown }[] } };
const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

/** Metric names a PromQL expression reads (labels, functions and keywords excluded). */
function metricNames(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const withoutLabels = withoutStrings.replace(/\{[^}]*\}/g, '{}').replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const names = withoutLabels.match(/[a-zA-Z_:][a-zA-Z0-9_:]*(?=\s*(?:\{|\[|\)|$|\s|[-+*/<>=!,]))/g) ?? [];
  const FUNCTIONS = new Set(['sum', 'rate', 'increase', 'histogram_quantile', 'clamp_min', 'max_over_time', 'predict_linear', 'min', 'max', 'count', 'avg', 'and', 'or', 'unless', 'bool', 'offset']);
  return [...new Set(names.filter((n) => !FUNCTIONS.has(n) && !/^\d/.test(n) && !n.startsWith('$')))];
}

/** GitHub's anchor for a Markdown heading. */
function slug(heading: string): string {
  return heading.toLowerCase().replace(/[^\p{L}\p{N}\s-]/gu, '').trim().replace(/\s/g, '-');
}

describe('alert rules', () => {
  it('every rule is an alert with a severity, a summary and a runbook section that exists in docs/operations.md', () => {
    const docs = readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8');
    const anchors = new Set([...docs.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)));
    assert.ok(rules.length >= 15);
    const names = new Set<string>();
    for (const r of rules) {
      assert.ok(r.alert, `only alerts: ${JSON.stringify(r)}`);
      assert.ok(!names.has(r.alert), `${r.alert} is unique`);
      names.add(r.alert);
      assert.ok(['warning', 'critical'].includes(r.labels?.severity ?? ''), `${r.alert} severity`);
      assert.ok(r.annotations?.summary, `${r.alert} summary`);
      const runbook = /^docs\/operations\.md#(.+)$/.exec(r.annotations?.runbook ?? '');
      assert.ok(runbook, `${r.alert} runbook link`);
      assert.ok(anchors.has(runbook[1]!), `${r.alert}: section #${runbook[1]} exists in docs/operations.md`);
    }
  });

  it('the thresholds of the operations issue, warning and critical', () => {
    const pair = (warning: string, critical: string, pattern: RegExp, warn: string, crit: string) => {
      const w = alert(warning);
      const c = alert(critical);
      assert.equal(w.labels?.severity, 'warning');
      assert.equal(c.labels?.severity, 'critical');
      assert.match(w.expr, pattern, warning);
      assert.match(c.expr, pattern, critical);
      assert.match(w.expr, new RegExp(`> ${warn.replace('.', '\\.')}\\s*$`), `${warning} threshold ${warn}`);
      assert.match(c.expr, new RegExp(`> ${crit.replace('.', '\\.')}\\s*$`), `${critical} threshold ${crit}`);
    };
    pair('CameraServiceRpcLatencyHigh', 'CameraServiceRpcLatencyCritical', /histogram_quantile\(0\.95, .*camera_service_rpc_duration_seconds_bucket/, '0.2', '0.5');
    pair('CameraServiceRpcErrorRateHigh', 'CameraServiceRpcErrorRateCritical', /camera_service_rpc_duration_seconds_count\{outcome=~"error\|internal_error"\}[\s\S]*\/ sum by \(instance\) \(rate\(camera_service_rpc_duration_seconds_count\[5m\]\)\)/, '0.01', '0.05');
    pair('CameraServiceMemoryHigh', 'CameraServiceMemoryCritical', /^camera_service_memory_usage_bytes \/ camera_service_memory_limit_bytes/, '0.8', '0.95');
    pair('CameraServiceCpuHigh', 'CameraServiceCpuCritical', /^rate\(camera_service_cpu_usage_seconds_total\[5m\]\) \/ camera_service_cpu_limit_cores/, '0.7', '0.9');
    pair('CameraServiceWebSocketDropsHigh', 'CameraServiceWebSocketDropsCritical', /increase\(camera_service_websocket_disconnects_total\{[^}]*\}\[1h\]\)/, '0.01', '0.05');
  });

  it('camera down, FFmpeg restart loop, MediaMTX unreachable and disk low', () => {
    assert.match(alert('CameraDown').expr, /^camera_service_camera_up == 0$/);
    assert.match(alert('FfmpegRestartLoop').expr, /increase\(camera_service_ffmpeg_restarts_total\[10m\]\) >= 3/);
    assert.match(alert('MediaMtxUnreachable').expr, /^camera_service_mediamtx_up == 0$/);
    assert.equal(alert('MediaMtxUnreachable').labels?.severity, 'critical');
    assert.match(alert('CameraServiceDiskLow').expr, /camera_service_storage_free_bytes \/ camera_service_storage_total_bytes < 0\.15/);
    assert.match(alert('CameraServiceDiskCritical').expr, /camera_service_storage_free_bytes < 1073741824/);
  });

  it('uses only metrics the service exports (listed in metric-names.ts), plus Prometheus\'s own up', () => {
    for (const r of rules) {
      for (const name of metricNames(r.expr)) {
        if (name === 'up') continue;
        assert.ok(familyOfSample(name), `${r.alert}: ${name} is a listed metric family`);
      }
    }
  });

  it('promtool check rules accepts the file (promtool: Debian package prometheus)', { skip: skipUnlessPresent(promtool ? false : 'promtool (Debian package prometheus)') }, () => {
    const r = spawnSync('promtool', ['check', 'rules', RULES_FILE], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`SUCCESS: ${rules.length} rules found`));
    const config = spawnSync('promtool', ['check', 'config', join(ROOT, 'deploy', 'prometheus', 'prometheus.yml')], { encoding: 'utf8' });
    assert.equal(config.status, 0, config.stdout + config.stderr);
  });
});

describe('Grafana dashboard', () => {
  it('is a dashboard with unique panel ids inside the 24-column grid, a data source and a host variable', () => {
    assert.equal(dashboard.uid, 'camera-service');
    const ids = dashboard.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const p of dashboard.panels) {
      assert.ok(p.gridPos.x >= 0 && p.gridPos.x + p.gridPos.w <= 24, `${p.title} fits the grid`);
      if (p.type !== 'row') assert.ok(p.targets?.length, `${p.title} has queries`);
    }
    assert.deepEqual(dashboard.templating.list.map((v) => v.name), ['datasource', 'instance']);
  });

  it('covers request rate, latency and errors, connections, cameras with fps, restarts, recording and disk', () => {
    const all = queries.join('\n');
    for (const needed of [
      'rate(camera_service_rpc_duration_seconds_count',
      'histogram_quantile(0.95, sum by (le) (rate(camera_service_rpc_duration_seconds_bucket',
      'outcome=~"error|internal_error"',
      'camera_service_websocket_connections{',
      'camera_service_camera_up',
      'camera_service_stream_fps',
      'camera_service_stream_configured_fps',
      'camera_service_ffmpeg_restarts_total',
      'camera_service_mediamtx_restarts_total',
      'camera_service_recordings_active',
      'camera_service_recording_bytes_total',
      'camera_service_storage_free_bytes',
      'camera_service_memory_usage_bytes',
      'camera_service_cpu_usage_seconds_total',
    ]) {
      assert.ok(all.includes(needed), `a panel queries ${needed}`);
    }
  });

  it('queries only metrics the service exports (listed in metric-names.ts)', () => {
    for (const q of queries) for (const name of metricNames(q)) assert.ok(familyOfSample(name), `${name} (in ${q}) is a listed metric family`);
  });
});

describe('the metric list', () => {
  it('names are unique, prefixed, counters end in _total, labels are bounded names', () => {
    const names = METRIC_FAMILIES.map((m) => m.name);
    assert.equal(new Set(names).size, names.length);
    for (const m of METRIC_FAMILIES) {
      assert.match(m.name, /^camera_service_[a-z0-9_]+$/);
      assert.equal(m.type === 'counter', m.name.endsWith('_total'), `${m.name}: _total iff counter`);
      for (const l of m.labels) assert.ok(['method', 'outcome', 'camera', 'template', 'code', 'reason', 'source', 'change', 'kind', 'result', 'command'].includes(l), `${m.name}: label ${l} is one of the bounded ones`);
    }
  });

  it('the PromQL name extraction finds names and skips labels, functions and strings', () => {
    assert.deepEqual(
      metricNames('histogram_quantile(0.95, sum by (instance, le) (rate(a_bucket{x=~"b|c"}[5m]))) / on (instance) clamp_min(b_total, 1) > 0.2 and up{job="camera-service"} == 0'),
      ['a_bucket', 'b_total', 'up'],
    );
  });
});
