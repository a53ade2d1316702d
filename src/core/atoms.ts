/**
 * The compact form of a session's records: each distinct record is an "atom" of four numbers in
 * one flat array, sorted by (receivedAt, delivery key). A number array is the cheapest thing a
 * JavaScript heap holds (8 bytes a number, no object per record), so a session of ten records
 * costs a few hundred bytes. What does not fit in numbers (a watchlist `ref`, a file name, the
 * findings of an odd record) sits beside the atoms, in `strings` and `notes`.
 *
 * Slots of an atom:
 * - `at`:   when it was received (ms); `REFUSED_AT` for a record refused without a valid time;
 * - `key`:  its delivery key (copies of one webhook share it);
 * - `info`: its event type, flags, and where it was read (file index and line), packed below;
 * - `aux`:  a poll's `requestedAt`, a watchlist `ref` (index into `strings`), or the hash of
 *           the correlation id that ties a record naming no session (or that a record carries).
 */
import { hashJson } from '../records/json.js';
import type { EvidenceEvent, Finding, Millis, Outcome, RecordSource } from '../types.js';
import { KIND_FACTS, type RecordKind, SESSION_KINDS, WEBHOOK_KINDS } from '../vendor/kinds.js';
import { ONBOARDING_STATUSES } from '../vendor/statuses.js';

export const STRIDE = 4;
export const AT = 0;
export const KEY = 1;
export const INFO = 2;
export const AUX = 3;

/** The `at` of a record refused without a valid time: before every real time, so it sorts first. */
export const REFUSED_AT = -9e15;

/** The flags of an atom. */
export const FLAG = {
  /** A poll: `aux` is its `requestedAt`. */
  poll: 1,
  /** It names no session: a correlation id (its hash in `aux`) tied it to this one. */
  floating: 2,
  /** It names this session and carries a correlation id (its hash in `aux`). */
  carrier: 4,
  /** It has a note (findings, an unknown kind, several ids, an ambiguous tie). */
  note: 8,
} as const;

/** An evidence event with its delivery's time left out: what an atom's type stands for. */
type EventShape = { readonly type: string; readonly outcome?: Outcome; readonly progress?: string };

const OTHER_EVENTS: readonly EventShape[] = [
  { type: 'video-selfie' },
  { type: 'watchlist' },
  { type: 'face-authentication', outcome: 'succeeded' },
  { type: 'face-authentication', outcome: 'failed' },
  { type: 'work-history' },
  { type: 'proof-of-payment' },
  { type: 'authentication', outcome: 'succeeded' },
  { type: 'authentication', outcome: 'failed' },
  { type: 'ine-scraping', progress: 'IN_PROGRESS' },
  { type: 'ine-scraping', progress: 'FINISHED' },
];

/** Every event an atom can stand for; index 0 is "no evidence". */
const EVENTS: readonly (EventShape | undefined)[] = [
  undefined,
  ...ONBOARDING_STATUSES.map((type) => ({ type })),
  ...SESSION_KINDS.map((type) => ({ type })),
  ...OTHER_EVENTS,
];

const RECORD_KINDS: readonly RecordKind[] = [...WEBHOOK_KINDS, 'poll'];

/** Type numbers of atoms with no evidence: one per known kind, then one for a kind unknown here. */
const NO_EVIDENCE_BASE = EVENTS.length;
const UNKNOWN_KIND_TYPE = NO_EVIDENCE_BASE + RECORD_KINDS.length;
/** A refused record's type: its kind (if any) is in its note. */
const REFUSED_TYPE = 0;

const shapeId = (shape: EventShape) => `${shape.type}|${shape.outcome ?? shape.progress ?? ''}`;

/**
 * Type numbers by event type: a number, or, for a type whose events differ by outcome or
 * progress, those by their variant. Looked up once per record, so no string is built for it.
 */
const TYPE_OF_EVENT = new Map<string, number | Map<string, number>>();
EVENTS.forEach((shape, index) => {
  if (shape === undefined) return;
  const variant = shape.outcome ?? shape.progress;
  if (variant === undefined) TYPE_OF_EVENT.set(shape.type, index);
  else {
    const known = TYPE_OF_EVENT.get(shape.type);
    const variants = known instanceof Map ? known : new Map<string, number>();
    variants.set(variant, index);
    TYPE_OF_EVENT.set(shape.type, variants);
  }
});
const KIND_TYPES = new Map(RECORD_KINDS.map((kind, index) => [kind as string, NO_EVIDENCE_BASE + index]));

/**
 * The layout of atoms, in one string: a state written by a version with another layout cannot
 * be read (its records must be folded again). Part of the state's version. It names the hash of
 * a probe value too: delivery keys are hashes, so a changed hash function is a changed layout.
 */
export const ATOM_LAYOUT = [
  'at,key,info,aux',
  EVENTS.map((shape) => (shape === undefined ? '-' : shapeId(shape))).join(','),
  RECORD_KINDS.join(','),
  `hash:${hashJson({ probe: ['\u00e9', 1.5, -0, null, true] }, 'layout').toString(36)}`,
].join(';');

if (UNKNOWN_KIND_TYPE >= 64) throw new Error('atom types overflow their 6 bits');

/** The type number of an evidence event, or of a record of `kind` that proves nothing. */
export function typeOf(event: EvidenceEvent | undefined, kind: string | undefined, refused: boolean): number {
  if (refused || kind === undefined) return REFUSED_TYPE;
  if (event !== undefined) {
    const found = TYPE_OF_EVENT.get(event.type);
    if (typeof found === 'number') return found;
    if (found !== undefined) {
      const variant = (event as EventShape).outcome ?? (event as EventShape).progress;
      const index = variant === undefined ? undefined : found.get(variant);
      if (index !== undefined) return index;
    }
  }
  return KIND_TYPES.get(kind) ?? UNKNOWN_KIND_TYPE;
}

// info = type (6 bits) + flags (4 bits) * 2^6 + file (8 bits) * 2^10 + line * 2^18: exact in a double.
const FLAGS_AT = 2 ** 6;
const FILE_AT = 2 ** 10;
const LINE_AT = 2 ** 18;
/** The most files one session's sources can name; records from further files keep their line only. */
export const MAX_FILES = 255;
const MAX_LINE = 2 ** 35 - 1;

/** Pack an atom's `info`. `file` is 1 + an index into `strings`, or 0. */
export function packInfo(type: number, flags: number, file: number, line: number): number {
  const safeLine = Number.isInteger(line) && line > 0 && line <= MAX_LINE ? line : 0;
  return type + flags * FLAGS_AT + (file > 0 && file <= MAX_FILES ? file : 0) * FILE_AT + safeLine * LINE_AT;
}

export const typeBits = (info: number): number => info % FLAGS_AT;
export const flagBits = (info: number): number => Math.floor(info / FLAGS_AT) % 16;
export const hasFlag = (info: number, flag: number): boolean => (flagBits(info) & flag) !== 0;
export const fileBits = (info: number): number => Math.floor(info / FILE_AT) % 256;
export const lineBits = (info: number): number => Math.floor(info / LINE_AT);

/** `info` with some flags set. */
export function withFlags(info: number, flags: number): number {
  const current = flagBits(info);
  return info + ((current | flags) - current) * FLAGS_AT;
}

/** `info` with some flags cleared. */
export function withoutFlags(info: number, flags: number): number {
  const current = flagBits(info);
  return info - (current & flags) * FLAGS_AT;
}

/** Makes the event of one atom type: one object shape per type, no copying of a template. */
type EventMaker = (at: Millis, requestedAt: number) => EvidenceEvent;

const EVENT_MAKERS: readonly (EventMaker | undefined)[] = EVENTS.map((shape): EventMaker | undefined => {
  if (shape === undefined) return undefined;
  const { type, outcome, progress } = shape;
  if (outcome !== undefined) return (at) => ({ type, outcome, at }) as EvidenceEvent;
  if (progress !== undefined) return (at) => ({ type, progress, at }) as EvidenceEvent;
  return (at) => ({ type, at }) as EvidenceEvent;
});

/** The evidence event an atom stands for, or `undefined` when it proves nothing. */
export function eventOf(info: number, at: Millis, aux: number): EvidenceEvent | undefined {
  const type = typeBits(info);
  const make = EVENT_MAKERS[type];
  if (make === undefined) return undefined;
  if (hasFlag(info, FLAG.poll))
    return { type: (EVENTS[type] as EventShape).type, at, requestedAt: aux } as EvidenceEvent;
  return make(at, aux);
}

/** Whether an atom is a record refused for its envelope (reported, never applied). */
export const isRefused = (info: number): boolean => typeBits(info) === REFUSED_TYPE;

/** The type of a watchlist update's atom, whose `aux` is its search `ref`. */
const REF_TYPE = TYPE_OF_EVENT.get('watchlist') as number;

/** Whether an atom's `aux` is a string (a watchlist `ref`: 1 + an index into `strings`), not a number. */
export const auxIsRef = (info: number): boolean => typeBits(info) === REF_TYPE;

/** The event type name of an atom (`undefined` when it proves nothing). */
export const eventTypeOf = (info: number): string | undefined => EVENTS[typeBits(info)]?.type;

/** The kind of the record an atom came from, when this version knows it. */
export function kindOf(info: number): RecordKind | undefined {
  const type = typeBits(info);
  if (type === REFUSED_TYPE || type === UNKNOWN_KIND_TYPE) return undefined;
  if (hasFlag(info, FLAG.poll)) return 'poll';
  if (type >= NO_EVIDENCE_BASE) return RECORD_KINDS[type - NO_EVIDENCE_BASE];
  const shape = EVENTS[type] as EventShape;
  if (shape.type in KIND_FACTS) return shape.type as RecordKind;
  return 'onboarding-status';
}

/** What sits beside an atom that has one (`FLAG.note`): found by the atom's (at, key). */
export interface Note {
  readonly at: Millis;
  readonly key: number;
  /** What was odd about the record itself. */
  readonly findings?: readonly Finding[];
  /** Its kind as it arrived, when this version does not know it (cut to a readable length). */
  readonly kind?: string;
  /** Hashes of all its correlation ids, when it carries several. */
  readonly ids?: readonly number[];
  /** For a record tied by a correlation id several sessions carry: those sessions, sorted. */
  readonly sessions?: readonly string[];
}

/** Compare two atoms' identities: by time, then key. */
export const compareIdentity = (atA: number, keyA: number, atB: number, keyB: number): number =>
  atA - atB || keyA - keyB;

/**
 * Where (at, key) is in a sorted atom array: its atom index if present, else `-(insertion + 1)`.
 * Searches from the end: most records arrive after the ones before them.
 */
export function locate(atoms: readonly number[], at: number, key: number): number {
  const count = atoms.length / STRIDE;
  if (count === 0) return -1;
  const lastAt = atoms[(count - 1) * STRIDE + AT];
  const lastKey = atoms[(count - 1) * STRIDE + KEY];
  const last = compareIdentity(at, key, lastAt, lastKey);
  if (last > 0) return -(count + 1);
  if (last === 0) return count - 1;
  let low = 0;
  let high = count - 1;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const c = compareIdentity(at, key, atoms[middle * STRIDE + AT], atoms[middle * STRIDE + KEY]);
    if (c === 0) return middle;
    if (c < 0) high = middle;
    else low = middle + 1;
  }
  return compareIdentity(at, key, atoms[low * STRIDE + AT], atoms[low * STRIDE + KEY]) === 0 ? low : -(low + 1);
}

/** Where a note is in a sorted note list (same convention as `locate`). */
export function locateNote(notes: readonly Note[], at: number, key: number): number {
  let low = 0;
  let high = notes.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const c = compareIdentity(at, key, notes[middle].at, notes[middle].key);
    if (c === 0) return middle;
    if (c < 0) high = middle;
    else low = middle + 1;
  }
  return -(low + 1);
}

/** The source of an atom, read back from its `info` and the state's strings. */
export function sourceOf(info: number, strings: readonly string[]): RecordSource | undefined {
  const file = fileBits(info);
  const line = lineBits(info);
  if (file === 0 && line === 0) return undefined;
  const source: { file?: string; line?: number } = {};
  if (file > 0 && strings[file - 1] !== undefined) source.file = strings[file - 1];
  if (line > 0) source.line = line;
  return source;
}
