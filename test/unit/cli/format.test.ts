import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytes, keyValues, table } from '../../../src/cli/format.js';

describe('CLI formatting', () => {
  it('aligns table columns under upper-case headers', () => {
    assert.equal(
      table([{ device: 'camera0', status: 'CONNECTED' }, { device: 'camera12', status: null }], ['device', 'status']),
      'DEVICE    STATUS\ncamera0   CONNECTED\ncamera12  -',
    );
    assert.equal(table([], ['a']), '(none)');
  });
  it('flattens nested objects into key: value lines', () => {
    assert.equal(keyValues({ a: 1, b: { c: [1, 2], d: null } }), 'a: 1\nb.c: 1,2\nb.d: -');
  });
  it('prints sizes in binary units', () => {
    assert.deepEqual([bytes(512), bytes(2048), bytes(5 * 1024 ** 3)], ['512 B', '2.0 KiB', '5.0 GiB']);
  });
});
