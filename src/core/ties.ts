/**
 * Where a record that names no session belongs: with the session of the earliest-received
 * record (by receivedAt, then delivery key) that names a session and carries one of its
 * correlation ids; when those ids are carried by several sessions it still goes there, and its
 * note names them all (it is reported `ambiguous-correlation`). Pure functions of the carriers,
 * shared by the `Ledger` (which learns them record by record) and a parallel fold (which gathers
 * them from its workers once the input has been read).
 */
import { AT, AUX, compareIdentity, FLAG, INFO, KEY, type Note, withFlags, withoutFlags } from './atoms.js';
import { type MutableState, noteOf, putNote } from './state.js';

/** What is known of one correlation id: who carries it, and the earliest record that does. */
export interface IdCarriers {
  /** The session of the earliest-received record carrying the id. */
  readonly earliest: string;
  /** That record's receivedAt and delivery key. */
  readonly at: number;
  readonly key: number;
  /** Every session with a record carrying the id. */
  readonly sessions: readonly string[];
}

/** Where a record naming no session goes. */
export interface Tie {
  readonly target: string;
  /** The (hashed) id that ties it there. */
  readonly id: number;
  /** Every session carrying any of its ids. */
  readonly sessions: ReadonlySet<string>;
}

/**
 * The tie of a record with these (hashed) ids, `undefined` when no session carries any of them.
 * Of two ids whose earliest carriers are the same record, the first listed wins.
 */
export function tieOf(ids: readonly number[], carriersOf: (id: number) => IdCarriers | undefined): Tie | undefined {
  let best: IdCarriers | undefined;
  let bestId = 0;
  const sessions = new Set<string>();
  for (const id of ids) {
    const carriers = carriersOf(id);
    if (carriers === undefined) continue;
    for (const session of carriers.sessions) sessions.add(session);
    if (best === undefined || compareIdentity(carriers.at, carriers.key, best.at, best.key) < 0) {
      best = carriers;
      bestId = id;
    }
  }
  return best === undefined ? undefined : { target: best.earliest, id: bestId, sessions };
}

/**
 * Mark a one-record state as tied, in place: flagged floating, its `aux` the id that ties it,
 * its note naming its ids when it has several and the sessions when several carry them.
 */
export function markTied(record: MutableState, ids: readonly number[], tie: Tie): void {
  const at = record.atoms[AT];
  const key = record.atoms[KEY];
  record.atoms[INFO] = withoutFlags(withFlags(record.atoms[INFO], FLAG.floating), FLAG.carrier);
  record.atoms[AUX] = tie.id;
  const note: { -readonly [K in keyof Note]: Note[K] } = { ...(noteOf(record, at, key) ?? { at, key }) };
  delete note.sessions;
  if (ids.length > 1) note.ids = ids;
  if (tie.sessions.size > 1) note.sessions = [...tie.sessions].sort(compareIds);
  record.notes = [];
  const noted = Object.keys(note).length > 2;
  record.atoms[INFO] = noted ? withFlags(record.atoms[INFO], FLAG.note) : withoutFlags(record.atoms[INFO], FLAG.note);
  if (noted) putNote(record, note);
}

/** Session ids in code-unit order (the same on every machine, unlike a locale compare). */
export const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
