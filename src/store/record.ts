/**
 * A delivery record as the store keeps it: JSON text whose `body` is the vendor's body exactly as
 * it arrived. The text is made once, when the delivery is received, and never re-serialized: a
 * JSON serializer would round `12345678901234567890`, write `1e400` as `null` and stop at a few
 * thousand levels of nesting, and the record would no longer be the one that arrived.
 */
import { createHash } from 'node:crypto';
import type { RawDeliveryRecord as DeliveryRecord } from '../records/record.js';
import type { StoredRecord } from './types.js';

/** The fields of a record around its body (`kind`, `receivedAt`, …). */
export type Envelope = Omit<DeliveryRecord, 'body'>;

/**
 * A record's text: the envelope's fields as JSON, then `"body":` and the body's text as it
 * arrived. `bodyText` must be JSON text (the caller has parsed it); it is spliced in, not copied
 * through a parser.
 */
export function recordText(envelope: Envelope, bodyText: string): string {
  const head = JSON.stringify(envelope);
  return `${head.slice(0, -1)}${head === '{}' ? '' : ','}"body":${bodyText}}`;
}

/** The identity of a stored record: the SHA-256 of its text. The same text is stored once. */
export function recordIdOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * A record's text as one line of JSON Lines. JSON text can hold a line break only as whitespace
 * between tokens (inside a string it must be escaped), so each becomes a space: the same JSON,
 * on one line.
 */
export function recordLine(text: string): string {
  return text.replace(/[\r\n]/g, ' ');
}

/** A stored row as readers see it: the text as stored, and the record parsed from it. */
export function storedRecord(seq: number, text: string, interviewId: string | undefined): StoredRecord {
  // JSON.parse reads any depth of nesting (it does not recurse), unlike JSON.stringify.
  return { seq, text, record: JSON.parse(text) as DeliveryRecord, interviewId };
}
