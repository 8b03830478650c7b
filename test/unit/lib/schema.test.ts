import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultsOf, merge, t, validate } from '../../../src/lib/schema.js';

describe('schema validation', () => {
  const params = t.object({
    device: t.string({ pattern: '^camera[0-9]+$' }),
    limit: t.optional(t.integer({ minimum: 1, maximum: 1000 })),
    format: t.optional(t.enum(['jpg', 'png'] as const)),
    tags: t.optional(t.array(t.string(), { maxItems: 2 })),
  });

  it('accepts a valid value and absent optional fields', () => {
    assert.deepEqual(validate(params, { device: 'camera0' }), { ok: true, value: { device: 'camera0' } });
    assert.equal(validate(params, { device: 'camera1', limit: 5, format: 'png', tags: ['a'] }).ok, true);
  });

  it('names the param and the rule of each problem', () => {
    const cases: [unknown, string, string][] = [
      [{}, 'device', 'required'],
      [{ device: 'video0' }, 'device', 'pattern'],
      [{ device: 'camera0', limit: 0 }, 'limit', 'minimum:1'],
      [{ device: 'camera0', limit: 1001 }, 'limit', 'maximum:1000'],
      [{ device: 'camera0', limit: 1.5 }, 'limit', 'type:integer'],
      [{ device: 'camera0', limit: '5' }, 'limit', 'type:integer'],
      [{ device: 'camera0', format: 'gif' }, 'format', 'enum'],
      [{ device: 'camera0', tags: ['a', 'b', 'c'] }, 'tags', 'maxItems:2'],
      [{ device: 'camera0', tags: [1] }, 'tags.0', 'type:string'],
      [{ device: 'camera0', extra: 1 }, 'extra', 'unknown'],
      [[], '', 'type:object'],
      [null, '', 'type:object'],
    ];
    for (const [value, path, rule] of cases) {
      const r = validate(params, value);
      assert.equal(r.ok, false, JSON.stringify(value));
      if (!r.ok) assert.deepEqual([r.issues[0]!.path, r.issues[0]!.rule], [path, rule], JSON.stringify(value));
    }
  });

  it('reports every problem, not only the first', () => {
    const r = validate(params, { limit: -1, extra: true });
    assert.equal(r.ok, false);
    if (!r.ok) assert.deepEqual(r.issues.map((i) => i.path).sort(), ['device', 'extra', 'limit']);
  });

  it('rejects NaN and infinities as numbers', () => {
    assert.equal(validate(t.number(), Number.NaN).ok, false);
    assert.equal(validate(t.number(), Number.POSITIVE_INFINITY).ok, false);
  });

  it('builds nested defaults and merges overrides', () => {
    const s = t.object({ a: t.object({ x: t.integer({ default: 1 }), y: t.string({ default: 'y' }) }), b: t.boolean({ default: true }) });
    assert.deepEqual(defaultsOf(s), { a: { x: 1, y: 'y' }, b: true });
    assert.deepEqual(merge(defaultsOf(s), { a: { x: 2 } }), { a: { x: 2, y: 'y' }, b: true });
  });
});
