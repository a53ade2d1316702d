/** A body's quick check gives zod's answer: the fast path of valid bodies is proven, not trusted. */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { SCHEMAS } from '../../src/records/parse.js';

/** Values a field may hold: every JSON type, near-misses of the rules (empty strings, enum cases). */
const fieldValue = fc.oneof(
  fc.constantFrom('', 'a1', 'PASS', 'FAIL', 'pass', 'FINISHED', 'IN_PROGRESS', 0, -0, 1.5, true, null, [], {}, ['x']),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Bodies built around a schema's fields (some missing, some odd), plus any JSON value at all. */
const bodyFor = (fields: readonly string[]) =>
  fc.oneof(
    fc
      .tuple(
        fc.dictionary(fc.constantFrom(...fields, 'constructor', '__proto__', 'extra'), fieldValue),
        fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }),
      )
      .map(([own, more]) => JSON.parse(JSON.stringify({ ...more, ...own })) as unknown),
    fc.jsonValue({ maxDepth: 2 }),
  );

describe('body schemas: the quick check and zod agree', () => {
  for (const [name, schema] of Object.entries(SCHEMAS)) {
    const fields = Object.keys(schema.fields);
    test.prop([bodyFor(fields)])(`${name}: fits exactly when zod accepts, with zod's data`, (body) => {
      const parsed = schema.zod.safeParse(body);
      expect(schema.fits(body)).toBe(parsed.success);
      if (parsed.success) {
        for (const field of fields) {
          expect((body as Record<string, unknown>)[field]).toEqual((parsed.data as Record<string, unknown>)[field]);
        }
      }
    });
  }
});
