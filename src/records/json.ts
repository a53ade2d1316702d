/**
 * Values as they come from outside, made safe to read. JSON from the vendor can nest a hundred
 * thousand levels deep or hold strings of megabytes; a host can hand the library getters that
 * throw, cycles, BigInts or Proxies. Everything here walks values with an explicit stack (no
 * recursion, so no depth breaks it) and turns every failure into a sentence, never an exception.
 */

/** A JSON value, as `JSON.parse` returns it. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** The longest piece of an outside value a message quotes. */
export const QUOTE_LIMIT = 60;

/** A string cut to `limit` characters, marked with an ellipsis where it was cut. */
export function cut(text: string, limit = QUOTE_LIMIT): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

/** A string quoted for a message, cut to a readable length. */
export const quote = (text: string, limit = QUOTE_LIMIT): string => JSON.stringify(cut(text, limit));

/** A short description of a value as it arrived, for "got …" in messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  switch (typeof value) {
    case 'object':
      return 'an object';
    case 'string':
      return `string ${quote(value, 40)}`;
    case 'number':
    case 'boolean':
      return `${typeof value} ${String(value)}`;
    default:
      return `a ${typeof value} (not JSON)`;
  }
}

/** The message of something thrown, cut (a host's getter can throw anything, even a Proxy). */
function reasonOf(error: unknown): string {
  try {
    return cut(error instanceof Error ? error.message : String(error));
  } catch {
    return 'an unreadable error';
  }
}

const defineKey = (target: Record<string, unknown>, key: string, value: unknown) => {
  // `__proto__` is an ordinary key in JSON: keep it as data, never as the object's prototype.
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
};

/** What `toPlainJson` found. */
export type PlainResult =
  | { readonly ok: true; readonly value: JsonValue }
  | { readonly ok: false; readonly field: string; readonly problem: string };

const SKIP = Symbol('skip');

/**
 * A copy of any value as plain JSON data, with `JSON.stringify`'s meaning (`toJSON` called,
 * `undefined`, functions and symbols left out of objects and `null` in arrays, non-finite
 * numbers `null`), read once, field by field. A cycle, a BigInt, or a read that throws gives
 * `ok: false` naming the field; nothing escapes as an exception.
 */
export function toPlainJson(input: unknown): PlainResult {
  let field = '(record)';
  const ancestors = new Set<object>();
  try {
    // Turn one value into a JSON leaf, SKIP, or a container to fill (pushed on the stack).
    const stack: {
      source: object;
      target: Record<string, unknown> | unknown[];
      keys: readonly string[];
      next: number;
      path: string;
    }[] = [];
    const read = (value: unknown, key: string, path: string): unknown => {
      field = path;
      let current = value;
      if (
        current !== null &&
        typeof current === 'object' &&
        typeof (current as { toJSON?: unknown }).toJSON === 'function'
      ) {
        current = (current as { toJSON(key: string): unknown }).toJSON(key);
      }
      switch (typeof current) {
        case 'string':
        case 'boolean':
          return current;
        case 'number':
          return Number.isFinite(current) ? current : null;
        case 'bigint':
          throw new NotJson(`a BigInt (${cut(String(current), 30)}) is not JSON`);
        case 'undefined':
        case 'function':
        case 'symbol':
          return SKIP;
      }
      if (current === null) return null;
      const object = current as object;
      if (object instanceof Number || object instanceof String || object instanceof Boolean) return object.valueOf();
      if (ancestors.has(object)) throw new NotJson('the value contains itself (a cycle)');
      ancestors.add(object);
      const isArray = Array.isArray(object);
      const keys = isArray ? [] : Object.keys(object);
      const target = isArray ? new Array<unknown>((object as unknown[]).length) : {};
      stack.push({ source: object, target, keys, next: 0, path });
      return target;
    };
    const root = read(input, '', '(record)');
    if (root === SKIP) return { ok: false, field: '(record)', problem: `a ${typeof input} is not a JSON value` };
    while (stack.length > 0) {
      const frame = stack[stack.length - 1];
      if (Array.isArray(frame.target)) {
        const source = frame.source as unknown[];
        if (frame.next >= frame.target.length) {
          ancestors.delete(frame.source);
          stack.pop();
          continue;
        }
        const index = frame.next++;
        const path = `${frame.path === '(record)' ? '' : frame.path}[${index}]`;
        field = path;
        const value = read(source[index], String(index), path);
        frame.target[index] = value === SKIP ? null : value;
      } else {
        if (frame.next >= frame.keys.length) {
          ancestors.delete(frame.source);
          stack.pop();
          continue;
        }
        const key = frame.keys[frame.next++];
        const path = frame.path === '(record)' ? key : `${frame.path}.${key}`;
        field = path;
        const value = read((frame.source as Record<string, unknown>)[key], key, path);
        if (value !== SKIP) defineKey(frame.target, key, value);
      }
    }
    return { ok: true, value: root as JsonValue };
  } catch (error) {
    const problem = error instanceof NotJson ? error.message : `reading it threw: ${reasonOf(error)}`;
    return { ok: false, field: cut(field), problem };
  }
}

class NotJson extends Error {}

// Two 32-bit FNV-1a lanes, folded into a 53-bit integer: a number is a quarter of the memory of
// a hex string, and a session keeps one per delivery.
const A0 = 0x811c9dc5;
const B0 = 0xcbf29ce4;

// The lanes while one value is hashed. Module state, not closures: hashing runs once or twice per
// record, and nothing it calls can start another hash.
let laneA = A0;
let laneB = B0;

function feedCode(c: number): void {
  laneA = Math.imul(laneA ^ c, 0x01000193);
  laneB = Math.imul(laneB ^ c, 0x0100019d) ^ (laneA >>> 15);
}

/**
 * A token: its marker, its length in decimal digits, a colon, then its text (as
 * `feed(marker + String(text.length) + ':' + text)` would, with no string made for it).
 */
function token(marker: number, text: string): void {
  let a = Math.imul(laneA ^ marker, 0x01000193);
  let b = Math.imul(laneB ^ marker, 0x0100019d) ^ (a >>> 15);
  const length = text.length;
  let unit = 1;
  while (unit * 10 <= length) unit *= 10;
  for (; unit >= 1; unit /= 10) {
    const c = 48 + (Math.floor(length / unit) % 10);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x0100019d) ^ (a >>> 15);
  }
  a = Math.imul(a ^ COLON, 0x01000193);
  b = Math.imul(b ^ COLON, 0x0100019d) ^ (a >>> 15);
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x0100019d) ^ (a >>> 15);
  }
  laneA = a;
  laneB = b;
}

const COLON = 58;
const MARK = { prefix: 112, key: 107, string: 115, number: 110 } as const; // p k s n
const CLOSE_OBJECT = {};
const CLOSE_ARRAY = {};

/**
 * A 53-bit hash of a JSON value in canonical form (object keys sorted at every level, `-0` as
 * `0`), after some leading strings: equal values give equal hashes whatever their key order or
 * depth. Tokens are length-prefixed, so no two different values read as the same stream.
 */
export function hashJson(value: unknown, ...prefix: readonly (string | number)[]): number {
  laneA = A0;
  laneB = B0;
  for (const part of prefix) token(MARK.prefix, String(part));
  // Pending work: values to hash, and closing marks between them.
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (item === CLOSE_OBJECT) {
      feedCode(125); // }
      continue;
    }
    if (item === CLOSE_ARRAY) {
      feedCode(93); // ]
      continue;
    }
    if (item === KEY_MARK) {
      token(MARK.key, stack.pop() as string);
      continue;
    }
    switch (typeof item) {
      case 'string':
        token(MARK.string, item);
        continue;
      case 'number':
        token(MARK.number, Object.is(item, -0) ? '0' : String(item));
        continue;
      case 'boolean':
        feedCode(item ? 116 : 102); // t f
        continue;
      case 'object':
        break;
      default:
        feedCode(117); // u
        continue;
    }
    if (item === null) {
      feedCode(122); // z
      continue;
    }
    if (Array.isArray(item)) {
      feedCode(91); // [
      stack.push(CLOSE_ARRAY);
      for (let i = item.length - 1; i >= 0; i--) stack.push(item[i]);
      continue;
    }
    const record = item as Record<string, unknown>;
    const keys = Object.keys(record);
    if (keys.length > 1) keys.sort();
    feedCode(123); // {
    stack.push(CLOSE_OBJECT);
    // Pushed in reverse so they are hashed in sorted order: key, then its value.
    for (let i = keys.length - 1; i >= 0; i--) {
      const entry = record[keys[i]];
      if (entry === undefined) continue;
      stack.push(entry, keys[i], KEY_MARK);
    }
  }
  return (laneA >>> 0) * 2 ** 21 + (laneB >>> 11);
}

/** On the hashing stack: the next item is an object key (hashed as a key, not as a value). */
const KEY_MARK = Symbol('key');

/**
 * JSON text of a value with object keys sorted at every level (so equal values give equal text),
 * written without recursion: any depth. `undefined` members are left out, as `JSON.stringify` does.
 */
export function canonicalJson(value: unknown): string {
  const parts: string[] = [];
  const stack: unknown[] = [value];
  const CLOSE_OBJECT = {};
  const CLOSE_ARRAY = {};
  const COMMA = {};
  while (stack.length > 0) {
    const item = stack.pop();
    if (item === CLOSE_OBJECT) parts.push('}');
    else if (item === CLOSE_ARRAY) parts.push(']');
    else if (item === COMMA) parts.push(',');
    else if (item === KEY_MARK) parts.push(`${JSON.stringify(stack.pop())}:`);
    else if (item === null || typeof item !== 'object') parts.push(JSON.stringify(item) ?? 'null');
    else if (Array.isArray(item)) {
      parts.push('[');
      stack.push(CLOSE_ARRAY);
      for (let i = item.length - 1; i >= 0; i--) {
        stack.push(item[i] === undefined ? null : item[i]);
        if (i > 0) stack.push(COMMA);
      }
    } else {
      const record = item as Record<string, unknown>;
      const keys = Object.keys(record)
        .filter((key) => record[key] !== undefined)
        .sort();
      parts.push('{');
      stack.push(CLOSE_OBJECT);
      for (let i = keys.length - 1; i >= 0; i--) {
        stack.push(record[keys[i]], keys[i], KEY_MARK);
        if (i > 0) stack.push(COMMA);
      }
    }
  }
  return parts.join('');
}
