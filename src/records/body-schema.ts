/**
 * The shape of a webhook body, written once as a table of fields and read two ways: whether a
 * body fits (most do), and, for one that does not, what is wrong with each field, in the order
 * of the table. The rules are zod's (`z.object` of `z.string().min(1)`, `z.string()`,
 * `z.number()`, `z.record(z.string(), z.unknown())`, `z.enum`), read by hand: a property test
 * holds both readings to zod's answer on any JSON value. Zod itself is not loaded to read a
 * record (it takes more memory than the rest of the core, in every worker thread).
 */

/** What one field must be. */
export type FieldRule = 'non-empty' | 'string' | 'number' | 'object' | readonly [string, ...string[]];

type FieldValue<R extends FieldRule> = R extends 'non-empty' | 'string'
  ? string
  : R extends 'number'
    ? number
    : R extends 'object'
      ? Readonly<Record<string, unknown>>
      : R extends readonly string[]
        ? R[number]
        : never;

/** The data of a body that fits its table. */
export type BodyData<S extends Readonly<Record<string, FieldRule>>> = { readonly [K in keyof S]: FieldValue<S[K]> };

/** What is wrong with one field: its name, and what was expected (as a message says it). */
export interface FieldIssue {
  readonly field: string;
  readonly expected: string;
}

/** A body's shape: its fields, whether a body fits, and what is wrong when it does not. */
export interface BodySchema<S extends Readonly<Record<string, FieldRule>>> {
  readonly fields: S;
  fits(body: unknown): body is BodyData<S>;
  /** Each field that does not fit, in the order of the table (none when the body fits). */
  issues(body: Readonly<Record<string, unknown>>): FieldIssue[];
}

const isObject = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** What a rule expects of a value, or `undefined` when the value fits. */
function expectedOf(rule: FieldRule, value: unknown): string | undefined {
  if (typeof rule !== 'string') {
    return typeof value === 'string' && rule.includes(value)
      ? undefined
      : `one of ${rule.map((option) => JSON.stringify(option)).join(', ')}`;
  }
  switch (rule) {
    case 'non-empty':
      if (typeof value !== 'string') return 'a string';
      return value.length > 0 ? undefined : NON_EMPTY;
    case 'string':
      return typeof value === 'string' ? undefined : 'a string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'number';
    case 'object':
      return isObject(value) ? undefined : 'an object';
  }
}

const NON_EMPTY = 'a non-empty value';

/**
 * Whether zod would also find a value that is not a string too short (its `min(1)` check runs on
 * anything with a `length`: an empty array, an object with a `length` field below 1).
 */
function alsoTooShort(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  const length = (value as { length?: unknown }).length;
  return length !== undefined && !((length as number) >= 1);
}

/** A body schema from its table of fields. */
export function bodySchema<const S extends Readonly<Record<string, FieldRule>>>(fields: S): BodySchema<S> {
  const names = Object.keys(fields);
  const rules = names.map((name) => fields[name] as FieldRule);
  return {
    fields,
    fits(body): body is BodyData<S> {
      if (!isObject(body)) return false;
      for (let i = 0; i < names.length; i++) {
        if (expectedOf(rules[i] as FieldRule, body[names[i] as string]) !== undefined) return false;
      }
      return true;
    },
    issues(body) {
      const found: FieldIssue[] = [];
      names.forEach((field, i) => {
        const rule = rules[i] as FieldRule;
        const value = body[field];
        const expected = expectedOf(rule, value);
        if (expected === undefined) return;
        found.push({ field, expected });
        if (rule === 'non-empty' && expected !== NON_EMPTY && alsoTooShort(value))
          found.push({ field, expected: NON_EMPTY });
      });
      return found;
    },
  };
}
