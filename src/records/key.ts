/**
 * The identity of a delivery (SPEC law 3): copies of one webhook have the same kind and body,
 * whatever time they arrived. A watchlist delivery and a poll are each their own.
 */
import type { DeliveryKey } from '../types.js';

/** JSON with object keys sorted at every level, so equal bodies give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  const parts: string[] = [];
  for (const key of keys) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) parts.push(`${JSON.stringify(key)}:${canonicalJson(item)}`);
  }
  return `{${parts.join(',')}}`;
}

/**
 * A 53-bit hash of a string (FNV-1a in two 32-bit lanes, folded into a safe integer). A number,
 * not a hex string: a session keeps one per delivery, and a number takes a quarter of the memory.
 */
export function hash53(text: string): number {
  let a = 0x811c9dc5;
  let b = 0xcbf29ce4;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x0100019d) ^ (a >>> 15);
  }
  return (a >>> 0) * 2 ** 21 + (b >>> 11);
}

/** The delivery key of a record's parts: kind, canonical body, and what else makes it distinct. */
export function deliveryKey(kind: string, body: unknown, ...distinct: readonly unknown[]): DeliveryKey {
  const text = [kind, canonicalJson(body), ...distinct.map((part) => String(part))].join('\u0000');
  return hash53(text) as DeliveryKey;
}
