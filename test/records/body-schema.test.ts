/**
 * A body's shape read by hand gives zod's answer: whether a body fits, and what is wrong with
 * each field that does not (zod's issues, as the findings word them). The reader of every valid
 * body is proven, not trusted.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { z } from 'zod';
import type { FieldRule } from '../../src/records/body-schema.js';
import { SCHEMAS } from '../../src/records/parse.js';

/** The zod schema a table of fields stands for. */
function zodOf(fields: Readonly<Record<string, FieldRule>>): z.ZodType {
  const rule = (field: FieldRule): z.ZodType => {
    if (typeof field !== 'string') return z.enum(field);
    return {
      'non-empty': z.string().min(1),
      string: z.string(),
      number: z.number(),
      object: z.record(z.string(), z.unknown()),
    }[field];
  };
  return z.object(Object.fromEntries(Object.entries(fields).map(([name, field]) => [name, rule(field)])));
}

/** What a zod issue expected, in the words of a finding. */
function expectedOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'string' ? 'a string' : issue.expected === 'record' ? 'an object' : `${issue.expected}`;
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return 'a non-empty value';
    default:
      return issue.message;
  }
}

/** Values a field may hold: every JSON type, near-misses of the rules (empty strings, enum cases). */
const fieldValue = fc.oneof(
  fc.constantFrom('', 'a1', 'PASS', 'FAIL', 'pass', 'FINISHED', 'IN_PROGRESS', 0, -0, 1.5, true, null, [], {}, ['x']),
  fc.constantFrom({ length: 0 }, { length: '5' }, { length: null }, { length: 2 }, [[]], '\ud83d\ude00'),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Bodies built around a schema's fields (some missing, some odd). */
const bodyFor = (fields: readonly string[]) =>
  fc
    .tuple(
      fc.dictionary(fc.constantFrom(...fields, 'constructor', '__proto__', 'extra'), fieldValue),
      fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }),
    )
    .map(([own, more]) => JSON.parse(JSON.stringify({ ...more, ...own })) as Record<string, unknown>);

describe('body schemas read by hand agree with zod', () => {
  for (const [name, schema] of Object.entries(SCHEMAS)) {
    const fields = Object.keys(schema.fields);
    const zod = zodOf(schema.fields);
    test.prop([bodyFor(fields)])(`${name}: fits exactly when zod accepts, with the issues zod finds`, (body) => {
      const parsed = zod.safeParse(body);
      expect(schema.fits(body)).toBe(parsed.success);
      const issues = parsed.success
        ? []
        : parsed.error.issues.map((issue) => ({
            field: issue.path.map(String).join('.'),
            expected: expectedOf(issue),
          }));
      expect(schema.issues(body)).toEqual(issues);
    });
  }
});
