/**
 * Validation against the OpenRPC meta-schema (@open-rpc/meta-schema) with ajv. The
 * meta-schema refers to https://meta.json-schema.tools for the JSON Schemas inside the
 * document; here those are checked against JSON Schema draft-07, which that schema follows.
 * Test-only: src/ never imports ajv or the meta-schema.
 */
import { createRequire } from 'node:module';
import { Ajv, type ErrorObject } from 'ajv';

const require = createRequire(import.meta.url);
const metaSchema = (require('@open-rpc/meta-schema') as { default: Record<string, unknown> }).default;

export function newAjv(): Ajv {
  return new Ajv({ strict: false, validateFormats: false, allErrors: true });
}

let validator: ReturnType<Ajv['compile']> | undefined;

/** Problems of an OpenRPC document, empty when it is valid. */
export function openRpcProblems(doc: unknown): string[] {
  if (!validator) {
    const ajv = newAjv();
    ajv.addSchema({ $id: 'https://meta.json-schema.tools', $ref: 'http://json-schema.org/draft-07/schema#' });
    const { $schema: _ignored, ...schema } = metaSchema;
    // Reference objects point at the `$ref` property schema of JSON Schema: a string.
    const text = JSON.stringify(schema).replaceAll('{"$ref":"https://meta.json-schema.tools/#/definitions/JSONSchemaObject/properties/$ref"}', '{"type":"string"}');
    validator = ajv.compile(JSON.parse(text) as object);
  }
  if (validator(doc)) return [];
  return (validator.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}
