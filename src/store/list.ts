/**
 * A list of session views as SQL both stores run: the filters of `ViewQuery` as conditions an
 * index answers, in either order, paged by a cursor. Each store gives its own placeholders.
 */
import type { ViewQuery } from './types.js';

/** The least string above every string starting with `prefix` (code point order); none for some. */
export function prefixUpperBound(prefix: string): string | undefined {
  const points = [...prefix].map((char) => char.codePointAt(0) as number);
  while (points.length > 0 && points[points.length - 1] === 0x10ffff) points.pop();
  if (points.length === 0) return undefined;
  const last = (points[points.length - 1] as number) + 1;
  // Surrogate code points never stand alone in a well-formed string: skip over them.
  points[points.length - 1] = last === 0xd800 ? 0xe000 : last;
  return String.fromCodePoint(...points);
}

/** The names a store gives the view table's columns. */
export interface ViewColumns {
  readonly id: string;
  readonly seq: string;
  readonly changedAt: string;
  readonly status: string;
  readonly decision: string;
  readonly anomalous: string;
}

/** A list's SQL, in parts a store can place: its parameters are added in this order. */
export interface ListClauses {
  /** `WHERE …` (the store's `conditions` first), or empty when nothing is filtered. */
  readonly where: string;
  /** `ORDER BY …`. */
  readonly order: string;
  /** `LIMIT …`. */
  readonly limit: string;
}

/** The parts one after the other: `WHERE … ORDER BY … LIMIT …`. */
export const clausesText = (clauses: ListClauses): string => `${clauses.where} ${clauses.order} ${clauses.limit}`;

/**
 * `WHERE`, `ORDER BY` and `LIMIT` for a list: `param` adds a value and returns its placeholder;
 * `conditions` are the store's own, without parameters, put before the query's filters.
 * Ids compare in code point order (a prefix is a range of them), so both orders use an index.
 */
export function listClauses(
  query: ViewQuery,
  columns: ViewColumns,
  param: (value: unknown) => string,
  anomalous: (yes: boolean) => unknown = (yes) => yes,
  conditions: readonly string[] = [],
): ListClauses {
  const where = [...conditions];
  if (query.status !== undefined) where.push(`${columns.status} = ${param(query.status)}`);
  if (query.decision !== undefined) where.push(`${columns.decision} = ${param(query.decision)}`);
  if (query.anomalous !== undefined) where.push(`${columns.anomalous} = ${param(anomalous(query.anomalous))}`);
  if (query.changedSince !== undefined) where.push(`${columns.changedAt} >= ${param(query.changedSince)}`);
  if (query.prefix !== undefined && query.prefix !== '') {
    where.push(`${columns.id} >= ${param(query.prefix)}`);
    const upper = prefixUpperBound(query.prefix);
    if (upper !== undefined) where.push(`${columns.id} < ${param(upper)}`);
  }
  if (query.order === 'id') {
    if (query.after !== undefined) where.push(`${columns.id} > ${param(String(query.after))}`);
  } else if (query.after !== undefined) {
    where.push(`${columns.seq} < ${param(Number(query.after))}`);
  }
  return {
    where: where.length > 0 ? `WHERE ${where.join(' AND ')}` : '',
    order: `ORDER BY ${query.order === 'id' ? columns.id : `${columns.seq} DESC`}`,
    limit: `LIMIT ${param(query.limit)}`,
  };
}
