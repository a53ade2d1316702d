/**
 * Values from outside made safe: any depth, any size, a host's strange values; equal JSON gives
 * an equal delivery identity whatever its key order.
 */
import { describe, expect, it } from 'vitest';
import { canonicalJson, describeValue, hashJson, toPlainJson } from '../../src/records/json.js';

const deep = (depth: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: [value] };
  return value;
};

describe('hashJson', () => {
  it('gives equal values equal hashes whatever their key order, at any depth', () => {
    expect(hashJson({ b: 1, a: { d: [1, 2], c: null } })).toBe(hashJson({ a: { c: null, d: [1, 2] }, b: 1 }));
    expect(hashJson(deep(100_000))).toBe(hashJson(deep(100_000)));
    expect(hashJson(deep(100_000))).not.toBe(hashJson(deep(99_999)));
  });

  it('tells apart values a naive concatenation would confuse', () => {
    const pairs: [unknown, unknown][] = [
      [{ a: 'b' }, ['a', 'b']],
      [['ab'], ['a', 'b']],
      [{ a: '1' }, { a: 1 }],
      [[null], [false]],
      [{ ab: '' }, { a: 'b' }],
      ['', []],
    ];
    for (const [x, y] of pairs) expect(hashJson(x), JSON.stringify([x, y])).not.toBe(hashJson(y));
    expect(hashJson({}, 'kind-a')).not.toBe(hashJson({}, 'kind-b'));
  });
});

describe('canonicalJson', () => {
  it('writes JSON with sorted keys, at any depth, as JSON.parse reads it back', () => {
    expect(canonicalJson({ b: [1, { d: 2, c: 3 }], a: 'x' })).toBe('{"a":"x","b":[1,{"c":3,"d":2}]}');
    const text = canonicalJson(deep(100_000));
    expect(text.length).toBeGreaterThan(700_000);
    expect(JSON.parse(canonicalJson(deep(3)))).toEqual(deep(3));
  });
});

describe('toPlainJson', () => {
  it('copies any depth, keeps __proto__ as data, and follows JSON.stringify for what JSON lacks', () => {
    const result = toPlainJson(JSON.parse('{"__proto__":{"x":1},"d":"2026"}'));
    expect(result.ok && Object.keys(result.value as object)).toEqual(['__proto__', 'd']);
    expect(toPlainJson({ a: undefined, f: () => 1, n: Number.NaN, s: [undefined], t: new Date(0) })).toEqual({
      ok: true,
      value: { n: null, s: [null], t: '1970-01-01T00:00:00.000Z' },
    });
    expect(toPlainJson(deep(100_000)).ok).toBe(true);
  });

  it('names the field of a cycle, a BigInt or a getter that throws, and never throws', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.me = { again: cyclic };
    expect(toPlainJson({ body: cyclic })).toMatchObject({ ok: false, field: 'body.me.again' });
    expect(toPlainJson({ body: [1, 2n] })).toMatchObject({ ok: false, field: 'body[1]' });
    const getter = Object.defineProperty({}, 'x', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    expect(toPlainJson({ body: getter })).toMatchObject({
      ok: false,
      field: 'body.x',
      problem: 'reading it threw: boom',
    });
    // A shared object is not a cycle.
    const shared = { v: 1 };
    expect(toPlainJson({ a: shared, b: shared })).toEqual({ ok: true, value: { a: { v: 1 }, b: { v: 1 } } });
  });
});

describe('describeValue', () => {
  it('quotes a string cut to a readable length', () => {
    expect(describeValue('x'.repeat(1_000_000)).length).toBeLessThan(60);
    expect(describeValue(undefined)).toBe('nothing (the field is missing)');
    expect(describeValue([1, 2])).toBe('an array of 2');
  });
});
