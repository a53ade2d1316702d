/**
 * A session at rest inside a `Ledger`: its atoms written as bytes in one string (one byte a
 * character), about 17 bytes a record instead of the 32 of four numbers, with no spare capacity.
 * A ledger of a million sessions keeps them this way; it opens a session (`unpackState`) to apply
 * a record or to replay it, and packs it again (`packState`) when it has not been used for a while.
 *
 * What repeats across sessions is written once for the whole ledger (`PackTables`): file names,
 * and the payloads of notes (the findings of odd records, which are mostly the same few
 * sentences). An atom points to them by number. Each atom, in the session's order:
 *
 * - head (varint): type (6 bits), flags (4), how `aux` is written (2), whether `at` and `aux`
 *   deltas are negative (1 each);
 * - `at`: varint of its distance from the atom before (from 0 for the first);
 * - `key`: 7 bytes;
 * - file (varint: the ledger's file number, 0 for none) and line (varint);
 * - `aux`: nothing (0), the distance of a poll's `requestedAt` from `at`, a watchlist `ref` as its
 *   characters, or 7 bytes (a correlation id's hash);
 * - with a note: the ledger's note number (varint).
 *
 * Every value is checked to come back exactly; a state that holds anything else (a number no
 * record could give) is not packed and stays open, so packing never changes a state.
 */
import { canonicalJson, hashJson } from '../records/json.js';
import {
  AT,
  AUX,
  auxIsRef,
  compareIdentity,
  FLAG,
  fileBits,
  flagBits,
  INFO,
  KEY,
  lineBits,
  MAX_FILES,
  type Note,
  packInfo,
  STRIDE,
  typeBits,
} from './atoms.js';
import type { MutableState, RecordAtom } from './state.js';

/** What a note says, without the identity of its atom. */
export type NotePayload = Omit<Note, 'at' | 'key'>;

/** How `aux` is written. */
const AUX_NONE = 0;
const AUX_REQUESTED = 1;
const AUX_REF = 2;
const AUX_RAW = 3;

/** Larger sessions stay open: packing them again after every record would copy too much. */
export const MAX_PACKED_BYTES = 4096;

const TWO_56 = 2 ** 56;

/** The numbers a ledger gives file names and note payloads, shared by all of its sessions. */
export class PackTables {
  readonly #files: string[] = [];
  readonly #fileNumbers = new Map<string, number>();
  readonly #fileArrays: (readonly string[])[] = [];
  readonly #notes: NotePayload[] = [];
  readonly #noteNumbers = new Map<number, number>();
  /** Payloads whose hash another payload already took (rare): by their canonical JSON. */
  readonly #noteCollisions = new Map<string, number>();
  /** The number of a note object read back by `unpackState`: packing it again needs no hashing. */
  readonly #known = new WeakMap<Note, number>();

  /** A file name's number (from 1). */
  file(name: string): number {
    let number = this.#fileNumbers.get(name);
    if (number === undefined) {
      this.#files.push(name);
      number = this.#files.length;
      this.#fileNumbers.set(name, number);
      this.#fileArrays.push(Object.freeze([name]));
    }
    return number;
  }

  fileName(number: number): string {
    return this.#files[number - 1] as string;
  }

  /** One shared strings array holding only this file (what most sessions need). */
  fileStrings(number: number): readonly string[] {
    return this.#fileArrays[number - 1] as readonly string[];
  }

  /** A note's number (from 1), its payload kept once whatever the number of atoms naming it. */
  note(note: Note): number {
    const known = this.#known.get(note);
    if (known !== undefined) return known;
    const { at: _at, key: _key, ...payload } = note;
    const hash = hashJson(payload);
    let number = this.#noteNumbers.get(hash);
    if (number !== undefined && canonicalJson(this.#notes[number - 1]) !== canonicalJson(payload)) {
      const text = canonicalJson(payload);
      number = this.#noteCollisions.get(text);
      if (number === undefined) {
        number = this.#add(payload);
        this.#noteCollisions.set(text, number);
      }
    } else if (number === undefined) {
      number = this.#add(payload);
      this.#noteNumbers.set(hash, number);
    }
    this.#known.set(note, number);
    return number;
  }

  #add(payload: NotePayload): number {
    this.#notes.push(payload);
    return this.#notes.length;
  }

  /** The note of an atom, made again from its payload (and remembered as that number). */
  noteAt(number: number, at: number, key: number): Note {
    const note = { at, key, ...this.#notes[number - 1] };
    this.#known.set(note, number);
    return note;
  }
}

// The bytes of the state being packed; grown as needed, reused.
let out = new Uint8Array(1024);
let length = 0;

function room(bytes: number): void {
  if (length + bytes <= out.length) return;
  const bigger = new Uint8Array(Math.max(out.length * 2, length + bytes));
  bigger.set(out.subarray(0, length));
  out = bigger;
  outView = undefined;
}

/** A non-negative integer below 2^56, 7 bits a byte. */
function writeVarint(n: number): void {
  room(8);
  let rest = n;
  while (rest >= 128) {
    out[length++] = (rest % 128) + 128;
    rest = Math.floor(rest / 128);
  }
  out[length++] = rest;
}

/** A non-negative integer below 2^56 in 7 bytes. */
function writeFixed(n: number): void {
  room(7);
  let rest = n;
  for (let i = 0; i < 7; i++) {
    out[length++] = rest % 256;
    rest = Math.floor(rest / 256);
  }
}

const exactCount = (n: number) => Number.isSafeInteger(n) && n >= 0;

interface Latin1View {
  toString(encoding: 'latin1', start: number, end: number): string;
  write(text: string, offset: number, encoding: 'latin1'): number;
}
interface Latin1 {
  from(buffer: ArrayBufferLike): Latin1View;
}
// Node's Buffer writes one-byte strings ten times faster than `String.fromCharCode`; the core
// imports nothing from Node, so it is used only where the host has it.
const NodeBuffer = (globalThis as { Buffer?: Latin1 }).Buffer;

/** A Buffer over the output's memory (made again when the output grows). */
let outView: Latin1View | undefined;
const view = (): Latin1View => {
  outView ??= (NodeBuffer as Latin1).from(out.buffer);
  return outView;
};

/** The bytes written so far as a string of one-byte characters. */
const bytesToString: (bytes: Uint8Array, end: number) => string =
  NodeBuffer === undefined
    ? (bytes, end) => {
        let text = '';
        for (let i = 0; i < end; i += 4096) {
          text += String.fromCharCode(...bytes.subarray(i, Math.min(end, i + 4096)));
        }
        return text;
      }
    : (_bytes, end) => view().toString('latin1', 0, end);

/** How one atom is written (after its head's fields are known to come back exactly). */
function writeAtom(
  previousAt: number,
  at: number,
  key: number,
  type: number,
  flags: number,
  fileNumber: number,
  line: number,
  auxKind: number,
  aux: number,
  ref: string | undefined,
  noteNumber: number,
): void {
  const delta = at - previousAt;
  const auxDelta = auxKind === AUX_REQUESTED ? at - aux : 0;
  writeVarint(type + flags * 64 + auxKind * 1024 + (delta < 0 ? 4096 : 0) + (auxDelta < 0 ? 8192 : 0));
  writeVarint(Math.abs(delta));
  writeFixed(key);
  writeVarint(fileNumber);
  writeVarint(line);
  if (auxKind === AUX_REQUESTED) writeVarint(Math.abs(auxDelta));
  else if (auxKind === AUX_RAW) writeFixed(aux);
  else if (auxKind === AUX_REF) {
    const text = ref as string;
    writeVarint(text.length);
    for (let c = 0; c < text.length; c++) writeVarint(text.charCodeAt(c));
  }
  if (flags & FLAG.note) writeVarint(noteNumber);
}

/** How an atom's `aux` is written, or -1 when it cannot come back exactly. */
function auxKindOf(at: number, flags: number, type: number, aux: number, ref: string | undefined): number {
  if (ref !== undefined) return AUX_REF;
  if (aux === 0) return AUX_NONE;
  if (flags & FLAG.poll) {
    const delta = at - aux;
    return Number.isSafeInteger(delta) && at - delta === aux ? AUX_REQUESTED : -1;
  }
  if (auxIsRef(type)) return -1;
  return exactCount(aux) && aux < TWO_56 ? AUX_RAW : -1;
}

/** Whether a time and key come back exactly after the atom before. */
const exactAt = (previousAt: number, at: number) => {
  const delta = at - previousAt;
  return Number.isSafeInteger(delta) && previousAt + delta === at;
};

/**
 * A state as bytes, or `undefined` when it is too large to be worth packing or holds a value
 * the bytes cannot give back exactly (it then stays open).
 */
export function packState(state: MutableState, tables: PackTables): string | undefined {
  const atoms = state.atoms;
  length = 0;
  let previousAt = 0;
  let noteIndex = 0;
  for (let i = 0; i < atoms.length; i += STRIDE) {
    const at = atoms[i + AT];
    const key = atoms[i + KEY];
    const info = atoms[i + INFO];
    const aux = atoms[i + AUX];
    const type = typeBits(info);
    const flags = flagBits(info);
    const file = fileBits(info);
    const line = lineBits(info);
    if (!Number.isInteger(info) || packInfo(type, flags, file, line) !== info) return undefined;
    if (!exactAt(previousAt, at) || !exactCount(key) || key >= TWO_56) return undefined;
    const hasRef = aux > 0 && auxIsRef(info);
    const ref = hasRef ? state.strings[aux - 1] : undefined;
    if (hasRef && ref === undefined) return undefined;
    const auxKind = auxKindOf(at, flags, info, aux, ref);
    if (auxKind < 0) return undefined;
    let noteNumber = 0;
    if (flags & FLAG.note) {
      // Notes are sorted like the atoms: the next one belongs to this atom, or none does.
      const note = state.notes[noteIndex];
      if (note !== undefined && note.at === at && note.key === key) {
        noteNumber = tables.note(note);
        noteIndex++;
      }
    }
    const name = file === 0 ? undefined : state.strings[file - 1];
    writeAtom(
      previousAt,
      at,
      key,
      type,
      flags,
      name === undefined ? 0 : tables.file(name),
      line,
      auxKind,
      aux,
      ref,
      noteNumber,
    );
    previousAt = at;
    if (length > MAX_PACKED_BYTES) return undefined;
  }
  // Notes of no atom, or not in atom order: keep the state open, as it is.
  if (noteIndex !== state.notes.length) return undefined;
  return bytesToString(out, length);
}

/** A packed state of one record. */
export function packRecord(atom: RecordAtom, tables: PackTables): string | undefined {
  length = 0;
  return appendTo(0, atom, tables) ? bytesToString(out, length) : undefined;
}

/**
 * A packed state with one more record, or `false` when the very same record (time and key) is
 * there already, or `undefined` when it cannot be appended (too large, or a value the bytes
 * cannot hold: open the state instead). Atoms are kept in the order applied; reading a state
 * back sorts them, so a record is added without reading the others back.
 */
export function appendRecord(bytes: string, atom: RecordAtom, tables: PackTables): string | false | undefined {
  if (bytes.length > MAX_PACKED_BYTES) return undefined;
  input = bytes;
  position = 0;
  let at = 0;
  while (position < bytes.length) {
    const head = readVarint();
    const flags = Math.floor(head / 64) % 16;
    const auxKind = Math.floor(head / 1024) % 4;
    const delta = readVarint();
    at += head & 4096 ? -delta : delta;
    const key = readFixed();
    if (at === atom.at && key === atom.key) {
      input = '';
      return false;
    }
    readVarint(); // file
    readVarint(); // line
    if (auxKind === AUX_REQUESTED) readVarint();
    else if (auxKind === AUX_RAW) position += 7;
    else if (auxKind === AUX_REF) {
      const size = readVarint();
      for (let c = 0; c < size; c++) readVarint();
    }
    if (flags & FLAG.note) readVarint();
  }
  input = '';
  // One new flat string (`bytes + more` would be a rope V8 keeps as two strings and a link).
  length = 0;
  copyIn(bytes);
  if (!appendTo(at, atom, tables)) return undefined;
  return bytesToString(out, length);
}

/** Copy a packed state's bytes into the output. */
function copyIn(bytes: string): void {
  room(bytes.length);
  if (NodeBuffer !== undefined) length += view().write(bytes, length, 'latin1');
  else for (let i = 0; i < bytes.length; i++) out[length++] = bytes.charCodeAt(i);
}

/** Write one record's atom after an atom received at `previousAt`; `false` if it cannot be. */
function appendTo(previousAt: number, atom: RecordAtom, tables: PackTables): boolean {
  const { at, key, type, flags, aux, ref, file, note } = atom;
  if (!exactAt(previousAt, at) || !exactCount(key) || key >= TWO_56) return false;
  // A line the atom cannot hold is none, as `packInfo` makes it when it is read back.
  const line = lineBits(packInfo(type, flags, 0, atom.line));
  const auxKind = auxKindOf(at, flags, type, aux, ref);
  if (auxKind < 0) return false;
  const noteNumber = note === undefined ? 0 : tables.note(note);
  writeAtom(
    previousAt,
    at,
    key,
    type,
    flags,
    file === undefined ? 0 : tables.file(file),
    line,
    auxKind,
    aux,
    ref,
    noteNumber,
  );
  return true;
}

// The packed state being read, and where.
let input = '';
let position = 0;

function readVarint(): number {
  let value = 0;
  let scale = 1;
  for (;;) {
    const byte = input.charCodeAt(position++);
    value += (byte & 127) * scale;
    if (byte < 128) return value;
    scale *= 128;
  }
}

function readFixed(): number {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 7; i++) {
    value += input.charCodeAt(position++) * scale;
    scale *= 256;
  }
  return value;
}

/**
 * A packed state, open again for changes (a new state each time: nothing is shared with it), its
 * atoms sorted by (receivedAt, delivery key) whatever order they were added in.
 */
export function unpackState(interviewId: string, bytes: string, tables: PackTables): MutableState {
  let atoms: number[] = [];
  let notes: Note[] = [];
  // The session's own strings: its files, then its refs (one shared array for a single file).
  let files: number[] | undefined;
  let strings: string[] | undefined;
  const stringIndex = (text: string): number => {
    strings ??= (files ?? []).map((number) => tables.fileName(number));
    const found = strings.indexOf(text);
    if (found >= 0) return found + 1;
    strings.push(text);
    return strings.length;
  };
  input = bytes;
  position = 0;
  let at = 0;
  let sorted = true;
  while (position < bytes.length) {
    const head = readVarint();
    const type = head % 64;
    const flags = Math.floor(head / 64) % 16;
    const auxKind = Math.floor(head / 1024) % 4;
    const delta = readVarint();
    at += head & 4096 ? -delta : delta;
    const key = readFixed();
    const fileNumber = readVarint();
    const line = readVarint();
    let file = 0;
    if (fileNumber > 0) {
      if (strings === undefined) {
        files ??= [];
        let index = files.indexOf(fileNumber);
        if (index < 0) {
          files.push(fileNumber);
          index = files.length - 1;
        }
        file = index + 1;
      } else file = stringIndex(tables.fileName(fileNumber));
    }
    let aux = 0;
    if (auxKind === AUX_REQUESTED) {
      const distance = readVarint();
      aux = at - (head & 8192 ? -distance : distance);
    } else if (auxKind === AUX_RAW) aux = readFixed();
    else if (auxKind === AUX_REF) {
      const size = readVarint();
      let ref = '';
      for (let c = 0; c < size; c++) ref += String.fromCharCode(readVarint());
      aux = stringIndex(ref);
    }
    const count = atoms.length;
    if (count > 0 && compareIdentity(atoms[count - STRIDE + AT], atoms[count - STRIDE + KEY], at, key) > 0)
      sorted = false;
    atoms.push(at, key, packInfo(type, flags, file <= MAX_FILES ? file : 0, line), aux);
    if (flags & FLAG.note) {
      const number = readVarint();
      if (number > 0) notes.push(tables.noteAt(number, at, key));
    }
  }
  input = '';
  if (!sorted) {
    // Added in the order they came: sort them as states keep them.
    const order = Array.from({ length: atoms.length / STRIDE }, (_, i) => i * STRIDE);
    order.sort((i, j) => compareIdentity(atoms[i + AT], atoms[i + KEY], atoms[j + AT], atoms[j + KEY]));
    const unsorted = atoms;
    atoms = [];
    for (const i of order) atoms.push(unsorted[i], unsorted[i + 1], unsorted[i + 2], unsorted[i + 3]);
    notes = notes.sort((a, b) => compareIdentity(a.at, a.key, b.at, b.key));
  }
  const shared =
    strings === undefined && files !== undefined && files.length === 1 ? tables.fileStrings(files[0]) : undefined;
  return {
    interviewId,
    atoms,
    strings: shared ?? strings ?? (files ?? []).map((number) => tables.fileName(number)),
    notes,
  };
}
