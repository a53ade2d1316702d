/**
 * A session's state: the set of its distinct records, in compact form (`atoms.ts`). It is a
 * join-semilattice: `merge` is the union of the sets, so it is associative, commutative and
 * idempotent, and `merge(state(A), state(B))` is `state(A ∪ B)`. Applying a record is merging the
 * state of that one record. Everything the view says is derived from the set (`replay.ts`), so a
 * log folded in pieces, on several workers, in any order, gives the same answer.
 *
 * The state is plain JSON: store it anywhere and resume. It carries its format version; a state
 * of another version cannot be read and must be folded again from its records (`refold`).
 */
import { cut, hashJson, quote } from '../records/json.js';
import { type ParsedRecord, parseRecord } from '../records/parse.js';
import type { DeliveryRecord } from '../records/record.js';
import type { Finding, RecordSource } from '../types.js';
import {
  AT,
  ATOM_LAYOUT,
  AUX,
  auxIsRef,
  compareIdentity,
  FLAG,
  fileBits,
  flagBits,
  INFO,
  KEY,
  locate,
  locateNote,
  MAX_FILES,
  type Note,
  packInfo,
  REFUSED_AT,
  STRIDE,
  sourceOf,
  typeBits,
  typeOf,
} from './atoms.js';

/** The format version of a session state: the atom layout it was written with. */
export const STATE_VERSION = `onboarding-status/state@2#${hashJson(ATOM_LAYOUT).toString(36)}`;

/** A session's state: the mergeable summary of its set of records. Plain JSON. */
export interface SessionState {
  /** The format it was written in (`STATE_VERSION`). */
  readonly version: string;
  readonly interviewId: string;
  /** Four numbers per distinct record, sorted by (receivedAt, delivery key); see `atoms.ts`. */
  readonly atoms: readonly number[];
  /** Strings the atoms point to: file names and watchlist refs. */
  readonly strings: readonly string[];
  /** What does not fit in numbers, for the few atoms that need it, sorted like the atoms. */
  readonly notes: readonly Note[];
}

/** The same, open for changes in place (inside a `Ledger`, or on a fresh copy). */
export interface MutableState {
  readonly interviewId: string;
  atoms: number[];
  strings: readonly string[];
  notes: readonly Note[];
}

/** A state read with another format version: fold its records again (`refold`). */
export class StateVersionError extends Error {
  constructor(found: unknown) {
    super(
      `this session state was written in format ${quote(String(found), 80)}, but this version reads ${JSON.stringify(STATE_VERSION)}: fold the session's records again (refold)`,
    );
    this.name = 'StateVersionError';
  }
}

const NO_STRINGS: readonly string[] = Object.freeze([]);
const NO_NOTES: readonly Note[] = Object.freeze([]);

/** A session before any record. */
export function initialSession(interviewId: string): SessionState {
  return { version: STATE_VERSION, interviewId, atoms: [], strings: NO_STRINGS, notes: NO_NOTES };
}

/** A state open for changes, sharing nothing it will change with `state`. */
export function thaw(state: SessionState): MutableState {
  return { interviewId: state.interviewId, atoms: state.atoms.slice(), strings: state.strings, notes: state.notes };
}

/** A state to hand out: versioned, and sharing nothing a later change in place would touch. */
export function freeze(state: MutableState): SessionState {
  return {
    version: STATE_VERSION,
    interviewId: state.interviewId,
    atoms: state.atoms.slice(),
    strings: state.strings,
    notes: state.notes,
  };
}

/** The index (1-based, as atoms store it) of a string in the state's strings, added if new. */
export function internString(state: MutableState, text: string): number {
  const index = state.strings.indexOf(text);
  if (index >= 0) return index + 1;
  state.strings = [...state.strings, text];
  return state.strings.length;
}

/** Put a note beside an atom (merging it with a note already there). */
export function putNote(state: MutableState, note: Note): void {
  const index = locateNote(state.notes, note.at, note.key);
  const notes = state.notes.slice();
  if (index >= 0) notes[index] = { ...notes[index], ...note };
  else notes.splice(-(index + 1), 0, note);
  state.notes = notes;
}

/** The note beside an atom, if it has one. */
export function noteOf(state: { readonly notes: readonly Note[] }, at: number, key: number): Note | undefined {
  const index = locateNote(state.notes, at, key);
  return index >= 0 ? state.notes[index] : undefined;
}

/** How a record naming no session joins a state: tied by a correlation id (its hash). */
export interface Placement {
  /** `aux` is the hash of the correlation id that tied it here. */
  readonly floating?: number;
}

/** A correlation id as atoms keep it: a 53-bit hash. */
export const correlationHash = (id: string): number => hashJson(id, 'correlation');

const NO_IDS: readonly number[] = Object.freeze([]);

/** The (hashed) correlation ids a record naming a session carries, distinct and sorted. */
export function carriedIds(parsed: ParsedRecord): readonly number[] {
  if (parsed.sessionId === undefined || parsed.refused) return NO_IDS;
  const ids = parsed.correlation;
  if (ids.length === 0) return NO_IDS;
  if (ids.length === 1) return [correlationHash(ids[0])];
  return [...new Set(ids.map(correlationHash))].sort((a, b) => a - b);
}

const isDeprecation = (found: Finding) => found.code === 'deprecated-webhook';

/** What one record becomes in a state: its atom's parts, before strings are numbered. */
export interface RecordAtom {
  readonly at: number;
  readonly key: number;
  readonly type: number;
  readonly flags: number;
  /** A poll's `requestedAt`, or the hash of the correlation id that ties or is carried (else 0). */
  readonly aux: number;
  /** A watchlist update's search `ref` (its `aux` is the ref's place among the strings). */
  readonly ref: string | undefined;
  readonly file: string | undefined;
  readonly line: number;
  /** Findings, an unknown kind, several ids: what does not fit in numbers. */
  readonly note: Note | undefined;
}

/**
 * The atom of a parsed record (how `applyInPlace` stores it). `ids` are the correlation ids it
 * carries (`carriedIds`), when the caller has them already.
 */
export function atomOf(
  parsed: ParsedRecord,
  placement: Placement = {},
  ids: readonly number[] = placement.floating === undefined ? carriedIds(parsed) : NO_IDS,
): RecordAtom {
  const at = parsed.at ?? REFUSED_AT;
  const key = parsed.key;
  let flags = 0;
  let aux = 0;
  let ref: string | undefined;
  const event = parsed.event;
  if (event !== undefined && 'requestedAt' in event && event.requestedAt !== undefined) {
    flags |= FLAG.poll;
    aux = event.requestedAt;
  } else if (parsed.kind === 'poll' && !parsed.refused) {
    flags |= FLAG.poll;
  }
  if (placement.floating !== undefined) {
    flags |= FLAG.floating;
    aux = placement.floating;
  } else if (ids.length > 0) {
    flags |= FLAG.carrier;
    aux = ids[0];
  } else ref = parsed.ref;
  // A deprecation follows from the kind: the replay says it again, so it is not stored.
  let findings = parsed.findings;
  if (findings.some(isDeprecation)) findings = findings.filter((found) => !isDeprecation(found));
  // The kind of a record this version cannot type (refused, or unknown) is kept as it arrived.
  const kind = parsed.kind !== undefined && (parsed.refused || !parsed.knownKind) ? cut(parsed.kind, 80) : undefined;
  let note: { -readonly [K in keyof Note]: Note[K] } | undefined;
  if (findings.length > 0 || kind !== undefined || ids.length > 1) {
    flags |= FLAG.note;
    note = { at, key };
    if (findings.length > 0) note.findings = findings;
    if (kind !== undefined) note.kind = kind;
    if (ids.length > 1) note.ids = ids;
  }
  return {
    at,
    key,
    type: typeOf(event, parsed.kind, parsed.refused),
    flags,
    aux,
    ref,
    file: parsed.source?.file,
    line: parsed.source?.line ?? 0,
    note,
  };
}

/**
 * Apply a parsed record in place. `false` when the very same record was applied before. `ids`
 * are the correlation ids it carries (`carriedIds`), when the caller has them already.
 */
export function applyInPlace(
  state: MutableState,
  parsed: ParsedRecord,
  placement: Placement = {},
  ids?: readonly number[],
): boolean {
  const found = locate(state.atoms, parsed.at ?? REFUSED_AT, parsed.key);
  if (found >= 0) return false;
  const atom = atomOf(parsed, placement, ids);
  const aux = atom.ref === undefined ? atom.aux : internString(state, atom.ref);
  const file = atom.file === undefined ? 0 : internString(state, atom.file);
  const info = packInfo(atom.type, atom.flags, file, atom.line);
  const position = -(found + 1) * STRIDE;
  if (position === state.atoms.length) state.atoms.push(atom.at, atom.key, info, aux);
  else state.atoms.splice(position, 0, atom.at, atom.key, info, aux);
  if (atom.note !== undefined) putNote(state, atom.note);
  return true;
}

/**
 * Apply one record to a session: the state of the session's records and this one. The very
 * same record again changes nothing; a copy of a delivery is kept (it is reported as a duplicate
 * and counts at the earliest time any copy arrived). Pure: `state` is not changed.
 */
export function applyRecord(state: SessionState, record: ParsedRecord, placement?: Placement): SessionState {
  checkVersion(state);
  const next = thaw(state);
  return applyInPlace(next, record, placement) ? freeze(next) : state;
}

/**
 * Merge `other` into `target` in place: the union of their records. Of a record on both sides the
 * target's source is kept, unless `readFirst` says the other side's was read before it (a fold
 * that meets records out of the order read keeps the place a fold in order would).
 */
export function mergeInto(
  target: MutableState,
  other: SessionState | MutableState,
  readFirst?: (other: RecordSource | undefined, own: RecordSource | undefined) => boolean,
): void {
  const a = target.atoms;
  const b = other.atoms;
  if (b.length === 0) return;
  // Strings of `other` are renumbered into the target's.
  const remap = other.strings.map((text) => internString(target, text));
  const merged: number[] = [];
  let i = 0;
  let j = 0;
  const pushOther = (index: number) => {
    const info = b[index + INFO];
    const file = fileBits(info);
    const newFile = file === 0 ? 0 : (remap[file - 1] ?? 0);
    let aux = b[index + AUX];
    // A watchlist update's aux is a string index: renumber it too.
    if (auxIsRef(info) && aux > 0) aux = remap[aux - 1] ?? aux;
    merged.push(b[index + AT], b[index + KEY], info + ((newFile <= MAX_FILES ? newFile : 0) - file) * 2 ** 10, aux);
  };
  while (i < a.length || j < b.length) {
    if (j >= b.length) {
      merged.push(a[i], a[i + 1], a[i + 2], a[i + 3]);
      i += STRIDE;
      continue;
    }
    if (i >= a.length) {
      pushOther(j);
      j += STRIDE;
      continue;
    }
    const c = compareIdentity(a[i + AT], a[i + KEY], b[j + AT], b[j + KEY]);
    if (
      c === 0 &&
      readFirst !== undefined &&
      readFirst(sourceOf(b[j + INFO], other.strings), sourceOf(a[i + INFO], target.strings))
    ) {
      pushOther(j);
      i += STRIDE;
      j += STRIDE;
    } else if (c <= 0) {
      merged.push(a[i], a[i + 1], a[i + 2], a[i + 3]);
      i += STRIDE;
      // The same record on both sides is one record (the target's source is kept).
      if (c === 0) j += STRIDE;
    } else {
      pushOther(j);
      j += STRIDE;
    }
  }
  target.atoms = merged;
  for (const note of other.notes) putNote(target, note);
}

/**
 * The state of the union of two sessions' records: associative, commutative and idempotent, as
 * sets of records (`sameRecords`; where a record was read, its source, is not part of its
 * identity: a record read from two files keeps the first side's source). Both must be states of
 * the same session, in this version's format.
 */
export function merge(a: SessionState, b: SessionState): SessionState {
  checkVersion(a);
  checkVersion(b);
  if (a.interviewId !== b.interviewId) {
    throw new Error(
      `cannot merge states of two sessions (${quote(a.interviewId, 80)} and ${quote(b.interviewId, 80)})`,
    );
  }
  if (b.atoms.length === 0) return a;
  const next = thaw(a);
  mergeInto(next, b);
  return freeze(next);
}

/**
 * The records of a state in a canonical form (sources left out, strings written out): two states
 * hold the same set of records exactly when their canonical forms are equal.
 */
export function canonicalRecords(state: SessionState | MutableState): string {
  const out: unknown[] = [state.interviewId];
  for (let i = 0; i < state.atoms.length; i += STRIDE) {
    const info = state.atoms[i + INFO];
    const aux = state.atoms[i + AUX];
    out.push([
      state.atoms[i + AT],
      state.atoms[i + KEY],
      typeBits(info),
      flagBits(info),
      auxIsRef(info) && aux > 0 ? state.strings[aux - 1] : aux,
    ]);
  }
  out.push(state.notes);
  return JSON.stringify(out);
}

/** Whether two states hold the same set of records. */
export const sameRecords = (a: SessionState | MutableState, b: SessionState | MutableState): boolean =>
  canonicalRecords(a) === canonicalRecords(b);

/** Throw `StateVersionError` unless the state is in this version's format. */
export function checkVersion(state: SessionState): void {
  if (state?.version !== STATE_VERSION) throw new StateVersionError(state?.version);
}

/**
 * A state read back from storage (`JSON.parse` of one written earlier): checked, so a state of
 * another format version fails with a `StateVersionError` that says to fold the records again.
 */
export function restoreState(value: unknown): SessionState {
  const state = value as SessionState;
  checkVersion(state);
  if (
    typeof state.interviewId !== 'string' ||
    !Array.isArray(state.atoms) ||
    state.atoms.length % STRIDE !== 0 ||
    !state.atoms.every((n) => typeof n === 'number' && Number.isFinite(n)) ||
    !Array.isArray(state.strings) ||
    !state.strings.every((s) => typeof s === 'string') ||
    !Array.isArray(state.notes)
  ) {
    throw new TypeError('not a session state: expected {version, interviewId, atoms, strings, notes}');
  }
  return state;
}

/** Fold a session's records again into a state of this version (after a `StateVersionError`). */
export function refold(interviewId: string, records: Iterable<DeliveryRecord | unknown>): SessionState {
  const state = thaw(initialSession(interviewId));
  for (const record of records) applyInPlace(state, parseRecord(record));
  return freeze(state);
}
