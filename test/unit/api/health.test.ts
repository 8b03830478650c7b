import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HealthMonitor, mediamtxState, overallHealth, type Components } from '../../../src/api/health/status.js';
import { cpuPercent, memoryPercent } from '../../../src/api/health/system-metrics.js';

const all = (over: Partial<Components> = {}): Components => ({ websocket_server: 'RUNNING', camera_monitor: 'RUNNING', mediamtx: 'RUNNING', ...over });

describe('health rules', () => {
  it('HEALTHY only when every component runs', () => assert.equal(overallHealth(all()), 'HEALTHY'));

  it('UNHEALTHY when the WebSocket server is not running or MediaMTX is down', () => {
    for (const c of [all({ websocket_server: 'STOPPING' }), all({ websocket_server: 'STARTING' }), all({ mediamtx: 'ERROR' }), all({ mediamtx: 'STOPPED' })]) {
      assert.equal(overallHealth(c), 'UNHEALTHY', JSON.stringify(c));
    }
  });

  it('DEGRADED for anything else that is not running', () => {
    for (const c of [all({ camera_monitor: 'STOPPED' }), all({ camera_monitor: 'ERROR' }), all({ mediamtx: 'STARTING' }), all({ camera_monitor: 'STARTING' })]) {
      assert.equal(overallHealth(c), 'DEGRADED', JSON.stringify(c));
    }
  });

  it('MediaMTX state from reachability and the service phase', () => {
    assert.equal(mediamtxState({ reachable: false, everReachable: false, phase: 'starting' }), 'STARTING');
    assert.equal(mediamtxState({ reachable: true, everReachable: true, phase: 'running' }), 'RUNNING');
    assert.equal(mediamtxState({ reachable: false, everReachable: true, phase: 'running' }), 'ERROR');
    assert.equal(mediamtxState({ reachable: false, everReachable: false, phase: 'running' }), 'ERROR');
    assert.equal(mediamtxState({ reachable: true, everReachable: true, phase: 'stopping' }), 'STOPPING');
    assert.equal(mediamtxState({ reachable: false, everReachable: true, phase: 'stopped' }), 'STOPPED');
  });

  it('the monitor reports each change once, not the first reading', () => {
    let c = all();
    const seen: string[] = [];
    const m = new HealthMonitor(() => c, (snap, prev) => seen.push(`${prev?.status}->${snap.status}`));
    m.check();
    m.check();
    c = all({ mediamtx: 'ERROR' });
    m.check();
    m.check();
    c = all({ mediamtx: 'ERROR', camera_monitor: 'ERROR' });
    m.check();
    c = all();
    m.check();
    assert.deepEqual(seen, ['HEALTHY->UNHEALTHY', 'UNHEALTHY->UNHEALTHY', 'UNHEALTHY->HEALTHY']);
  });
});

describe('host figures', () => {
  it('CPU percent between two samples', () => {
    assert.equal(cpuPercent({ idle: 100, total: 200 }, { idle: 150, total: 400 }), 75);
    assert.equal(cpuPercent({ idle: 100, total: 200 }, { idle: 100, total: 200 }), 0);
  });

  it('memory percent from MemAvailable', () => {
    assert.equal(memoryPercent('MemTotal:       1000000 kB\nMemFree:  10 kB\nMemAvailable:    250000 kB\n'), 75);
    const fallback = memoryPercent(undefined);
    assert.ok(fallback >= 0 && fallback <= 100);
  });
});
