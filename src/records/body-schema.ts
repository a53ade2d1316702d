/**
 * The shape of a webhook body, written once as a table of fields and read two ways: a zod schema,
 * whose issues become the findings of a body that does not fit, and a quick check of the same
 * table for the common case, a body that fits (no zod parse, no copy: most records are valid).
 * A property test holds the two to the same answer on any JSON value.
 */
import { z } from 'zod';

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

/** A body's shape: its fields, its zod schema, and the quick check. */
export interface BodySchema<S extends Readonly<Record<string, FieldRule>>> {
  readonly fields: S;
  readonly zod: z.ZodType<BodyData<S>>;
  /** Whether a body fits: exactly when the zod schema accepts it. */
  fits(body: unknown): body is BodyData<S>;
}

const isObject = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function zodOf(rule: FieldRule): z.ZodType {
  if (typeof rule !== 'string') return z.enum(rule);
  switch (rule) {
    case 'non-empty':
      return z.string().min(1);
    case 'string':
      return z.string();
    case 'number':
      return z.number();
    case 'object':
      return z.record(z.string(), z.unknown());
  }
}

function checkOf(rule: FieldRule): (value: unknown) => boolean {
  if (typeof rule !== 'string') return (value) => typeof value === 'string' && rule.includes(value);
  switch (rule) {
    case 'non-empty':
      return (value) => typeof value === 'string' && value.length > 0;
    case 'string':
      return (value) => typeof value === 'string';
    case 'number':
      return (value) => typeof value === 'number' && Number.isFinite(value);
    case 'object':
      return isObject;
  }
}

/** A body schema from its table of fields (built once per kind: building zod costs far more than using it). */
export function bodySchema<const S extends Readonly<Record<string, FieldRule>>>(fields: S): BodySchema<S> {
  const names = Object.keys(fields);
  const checks = names.map((name) => checkOf(fields[name]));
  const shape = Object.fromEntries(names.map((name) => [name, zodOf(fields[name])]));
  return {
    fields,
    zod: z.object(shape) as unknown as z.ZodType<BodyData<S>>,
    fits(body): body is BodyData<S> {
      if (!isObject(body)) return false;
      for (let i = 0; i < names.length; i++) {
        if (!checks[i](body[names[i]])) return false;
      }
      return true;
    },
  };
}
