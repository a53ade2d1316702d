/** A real JSON Schema validator (Ajv, draft 2020-12, with formats) over the committed contract files. */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { ROOT } from '../support/cli.js';

/** A committed contract file, parsed. */
export const contractFile = <T = Record<string, unknown>>(path: string): T =>
  JSON.parse(readFileSync(`${ROOT}/${path}`, 'utf8')) as T;

/** A validator that knows the shipped schemas and the OpenAPI document (by their `$id`s). */
export function validator(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats.default(ajv);
  ajv.addSchema(contractFile('schemas/delivery-record.schema.json'));
  ajv.addSchema(contractFile('schemas/session-view.schema.json'));
  ajv.addSchema({ ...contractFile<Record<string, unknown>>('docs/openapi.json'), $id: 'openapi.json' });
  return ajv;
}

/** The errors of a validation, readable in a failed expectation (empty when valid). */
export function errorsOf(validate: ValidateFunction, value: unknown): string[] {
  if (validate(value)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message}`);
}
