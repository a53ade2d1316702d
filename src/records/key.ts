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

/** A 64-bit FNV-1a hash of a string, as 16 hex digits (two 32-bit lanes). */
export function hash64(text: string): string {
  let a = 0x811c9dc5;
  let b = 0xcbf29ce4;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x0100019d) ^ (a >>> 15);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/** The delivery key of a record's parts: kind, canonical body, and what else makes it distinct. */
export function deliveryKey(kind: string, body: unknown, ...distinct: readonly unknown[]): DeliveryKey {
  const text = [kind, canonicalJson(body), ...distinct.map((part) => String(part))].join('\u0000');
  return hash64(text) as DeliveryKey;
}
