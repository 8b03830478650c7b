import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explain, type DiagnosticFacts } from '../../../src/diagnostics/explain.js';

const base: DiagnosticFacts = { id: 'camera0', status: 'CONNECTED', publishable: true, users: [], mediamtxUp: true, holders: [] };

describe('diagnostics summary', () => {
  it('names the cause in order of what blocks streaming first', () => {
    assert.match(explain({ ...base, status: 'DISCONNECTED' }), /disconnected/);
    assert.match(explain({ ...base, status: 'ERROR', error: 'probe timed out' }), /ERROR: probe timed out/);
    assert.match(explain({ ...base, mediamtxUp: false }), /MediaMTX is not reachable/);
    assert.match(explain({ ...base, publishable: false }), /cannot be published/);
    assert.match(explain(base), /idle: it streams on demand/);
  });

  it('reports a failing FFmpeg with its last error and who holds the device', () => {
    const s = explain({
      ...base,
      users: ['always'],
      supervisor: { state: 'backoff', reason: 'x', restarts: 3, running: false, lastExitSummary: 'exit code 1: the device is busy' },
      holders: [{ pid: 42, command: 'cheese' }],
    });
    assert.match(s, /FFmpeg keeps failing \(3 restarts\): exit code 1: the device is busy\. The device is held open by cheese \(pid 42\)/);
  });

  it('says when the camera streams', () => {
    const s = explain({ ...base, users: ['reader:1'], supervisor: { state: 'running', reason: 'ok', restarts: 0, running: true }, path: { available: true, readers: 2 } });
    assert.equal(s, 'camera0 is streaming (2 readers).');
  });
});
