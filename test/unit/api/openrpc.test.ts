/**
 * The OpenRPC document: generation rules, validity against the OpenRPC meta-schema,
 * completeness against the registry and the contract, and docs/api.md kept current.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { renderApiReference } from '../../../src/api/api-reference.js';
import { buildOpenRpc } from '../../../src/api/openrpc.js';
import { referenceDocument } from '../../../src/app/reference-doc.js';
import { defineMethod, MethodRegistry } from '../../../src/api/rpc/registry.js';
import { t } from '../../../src/lib/schema.js';
import { openRpcProblems } from './openrpc-meta.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const CONTRACT = `${ROOT}docs/contract.md`;

const sample = new MethodRegistry().add(
  defineMethod({
    name: 'take_picture',
    minRole: 'operator',
    summary: 'Takes a picture.',
    params: t.object({ device: t.string({ pattern: '^camera[0-9]+$', description: 'camera id' }), quality: t.optional(t.integer({ minimum: 1, maximum: 100 })) }),
    result: t.object({ filename: t.string() }),
    errors: [-32010, -32050],
    handler: () => ({ filename: 'x' }),
  }),
  defineMethod({ name: 'hello', minRole: 'none', summary: 'Says hello.', params: t.object({}), result: t.string(), handler: () => 'hi' }),
);

describe('OpenRPC generation', () => {
  const doc = buildOpenRpc(sample.list(), { title: 't', version: '1.0.0', description: 'd' });

  it('one by-name content descriptor per param field, with required flags and the field schema', () => {
    const m = doc.methods.find((x) => x.name === 'take_picture')!;
    assert.equal(m.paramStructure, 'by-name');
    assert.deepEqual(m.params, [
      { name: 'device', description: 'camera id', required: true, schema: { type: 'string', pattern: '^camera[0-9]+$', description: 'camera id' } },
      { name: 'quality', required: false, schema: { type: 'integer', minimum: 1, maximum: 100 } },
    ]);
    assert.deepEqual(m.result.schema, { type: 'object', properties: { filename: { type: 'string' } }, required: ['filename'], additionalProperties: false });
    assert.equal(m['x-required-role'], 'operator');
  });

  it('errors: the domain ones plus those every call of that role may get', () => {
    const codes = (name: string) => doc.methods.find((x) => x.name === name)!.errors.map((e) => e.code);
    assert.deepEqual(codes('take_picture'), [-32001, -32002, -32010, -32040, -32050, -32602, -32603]);
    assert.deepEqual(codes('hello'), [-32040, -32602, -32603]);
    assert.ok(doc.methods.every((m) => m.errors.every((e) => e.message.length > 0)));
  });

  it('methods are sorted by name; the document is valid OpenRPC', () => {
    assert.deepEqual(doc.methods.map((m) => m.name), ['hello', 'take_picture']);
    assert.deepEqual(openRpcProblems(doc), []);
  });

  it('the meta-schema check does catch an invalid document', () => {
    assert.notDeepEqual(openRpcProblems({ ...doc, methods: [{ summary: 'no name' }] }), []);
  });
});

describe('the service\'s OpenRPC document', () => {
  const doc = referenceDocument();
  const names = doc.methods.map((m) => m.name);

  it('validates against the OpenRPC meta-schema', () => assert.deepEqual(openRpcProblems(doc), []));

  it('documents every registered method with a summary, param schemas and a result schema', () => {
    assert.ok(names.includes('rpc.discover') && names.includes('ping') && names.includes('get_status'));
    assert.equal(new Set(names).size, names.length);
    for (const m of doc.methods) {
      assert.ok(m.summary.trim().length > 0, `${m.name}: summary`);
      assert.ok(m.result.schema.type !== undefined || m.result.schema.anyOf !== undefined, `${m.name}: result schema`);
      for (const p of m.params) assert.ok(p.schema.type !== undefined || p.schema.anyOf !== undefined || p.schema.enum !== undefined, `${m.name}.${p.name}: schema`);
    }
  });

  it('docs/api.md documents exactly the registered methods', () => {
    const text = readFileSync(`${ROOT}docs/api.md`, 'utf8');
    const documented = [...text.matchAll(/^### `([^`]+)`$/gm)].map((m) => m[1]!);
    const missing = names.filter((n) => !documented.includes(n));
    const stale = documented.filter((n) => !names.includes(n));
    assert.deepEqual({ missing, stale }, { missing: [], stale: [] }, 'run npm run docs');
  });

  it('docs/api.md is the reference generated from the registry (run npm run docs)', () => {
    assert.equal(readFileSync(`${ROOT}docs/api.md`, 'utf8'), renderApiReference(doc));
  });

  it('contract methods are all served, each with the contract\'s role (docs/contract.md; extensions are listed)', (t) => {
    const contract = new Map<string, string>();
    for (const m of readFileSync(CONTRACT, 'utf8').matchAll(/^\| `([a-z_.]+)` \| (none|viewer|operator|admin) \|/gm)) contract.set(m[1]!, m[2]!);
    assert.ok(contract.size >= 30, 'the contract table was read');
    for (const m of doc.methods) {
      if (contract.has(m.name)) assert.equal(m['x-required-role'], contract.get(m.name), `${m.name}: role`);
    }
    const extensions = names.filter((n) => !contract.has(n));
    t.diagnostic(`extensions beyond the contract (documented in docs/api.md): ${extensions.join(', ') || 'none'}`);
    assert.deepEqual([...contract.keys()].filter((n) => !names.includes(n)), [], 'contract methods not served');
  });
});
