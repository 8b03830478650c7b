import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { parseCpuMax, parseCpuStat, parseMemoryLimit, parseProcCgroup, registerResourceMetrics, resourceSource } from '../../../src/observability/resource-metrics.js';

const root = mkdtempSync(join(tmpdir(), 'cgroup-'));
after(() => rmSync(root, { recursive: true, force: true }));
function files(dir: string, content: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(content)) writeFileSync(join(dir, name), text);
}
const machine = { memory: 8 * 2 ** 30, cores: 4 };

describe('cgroup parsing', () => {
  it('/proc/self/cgroup: the unified path and v1 controllers', () => {
    assert.deepEqual(parseProcCgroup('0::/system.slice/camera-service.service\n'), { unified: '/system.slice/camera-service.service', v1: new Map() });
    const hybrid = parseProcCgroup('4:memory:/docker/abc\n2:cpu,cpuacct:/docker/abc\n1:name=systemd:/x\n0::/\n');
    assert.equal(hybrid.unified, '/');
    assert.equal(hybrid.v1.get('memory'), '/docker/abc');
    assert.equal(hybrid.v1.get('cpuacct'), '/docker/abc');
    assert.equal(hybrid.v1.get('cpu'), '/docker/abc');
  });

  it('limits: "max" and v1\'s near-2^63 value mean unlimited', () => {
    assert.equal(parseMemoryLimit('max\n'), undefined);
    assert.equal(parseMemoryLimit('9223372036854771712\n'), undefined);
    assert.equal(parseMemoryLimit('536870912\n'), 536870912);
    assert.equal(parseCpuMax('max 100000\n'), undefined);
    assert.equal(parseCpuMax('150000 100000\n'), 1.5);
    assert.equal(parseCpuStat('usage_usec 2500000\nuser_usec 1\n'), 2.5);
  });
});

describe('resource source', () => {
  it('cgroup v2 (a systemd unit): usage and MemoryMax=/CPUQuota= limits', () => {
    files(join(root, 'v2', 'system.slice', 'camera-service.service'), {
      'memory.current': '104857600\n',
      'memory.max': '536870912\n',
      'cpu.stat': 'usage_usec 7000000\nuser_usec 5000000\nsystem_usec 2000000\n',
      'cpu.max': '150000 100000\n',
    });
    const s = resourceSource(join(root, 'v2'), '0::/system.slice/camera-service.service\n', machine);
    assert.equal(s.kind, 'cgroup2');
    assert.equal(s.memoryBytes(), 104857600);
    assert.equal(s.memoryLimitBytes(), 536870912);
    assert.equal(s.cpuSeconds(), 7);
    assert.equal(s.cpuLimitCores(), 1.5);
  });

  it('no limits set: the machine\'s memory and CPUs are the limit', () => {
    files(join(root, 'v2u', 'svc'), { 'memory.current': '1000\n', 'memory.max': 'max\n', 'cpu.stat': 'usage_usec 1\n', 'cpu.max': 'max 100000\n' });
    const s = resourceSource(join(root, 'v2u'), '0::/svc\n', machine);
    assert.equal(s.memoryLimitBytes(), machine.memory);
    assert.equal(s.cpuLimitCores(), machine.cores);
  });

  it('cgroup v1 (older hosts, containers)', () => {
    files(join(root, 'v1', 'memory', 'docker', 'abc'), { 'memory.usage_in_bytes': '2048\n', 'memory.limit_in_bytes': '9223372036854771712\n' });
    files(join(root, 'v1', 'cpuacct', 'docker', 'abc'), { 'cpuacct.usage': '3000000000\n' });
    files(join(root, 'v1', 'cpu', 'docker', 'abc'), { 'cpu.cfs_quota_us': '200000\n', 'cpu.cfs_period_us': '100000\n' });
    const s = resourceSource(join(root, 'v1'), '4:memory:/docker/abc\n2:cpuacct:/docker/abc\n1:cpu:/docker/abc\n0::/\n', machine);
    assert.equal(s.kind, 'cgroup1');
    assert.equal(s.memoryBytes(), 2048);
    assert.equal(s.memoryLimitBytes(), machine.memory);
    assert.equal(s.cpuSeconds(), 3);
    assert.equal(s.cpuLimitCores(), 2);
  });

  it('nothing readable: the service process itself', () => {
    const s = resourceSource(join(root, 'none'), '0::/\n', machine);
    assert.equal(s.kind, 'process');
    assert.ok(s.memoryBytes() > 0);
    assert.ok(s.cpuSeconds() > 0);
  });

  it('registers four families read at scrape time; the CPU counter only grows', async () => {
    let cpu = 10;
    const registry = new Registry();
    registerResourceMetrics(registry, 'x_', { kind: 'cgroup2', memoryBytes: () => 100, memoryLimitBytes: () => 400, cpuSeconds: () => cpu, cpuLimitCores: () => 2 });
    const value = async (name: string) => (await registry.getSingleMetric(name)!.get()).values[0]?.value;
    assert.equal(await value('x_memory_usage_bytes'), 100);
    assert.equal(await value('x_memory_limit_bytes'), 400);
    assert.equal(await value('x_cpu_limit_cores'), 2);
    cpu = 12.5;
    assert.equal(await value('x_cpu_usage_seconds_total'), 2.5);
    cpu = 11; // a reading that went back (e.g. a fallback source) does not decrease the counter
    assert.equal(await value('x_cpu_usage_seconds_total'), 2.5);
  });
});
