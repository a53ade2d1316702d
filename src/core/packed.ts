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
  eventTypeOf,
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
import type { MutableState } from './state.js';

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

interface Latin1 {
  from(buffer: ArrayBufferLike, offset: number, length: number): { toString(encoding: 'latin1'): string };
}
// Node's Buffer writes one-byte strings ten times faster than `String.fromCharCode`; the core
// imports nothing from Node, so it is used only where the host has it.
const NodeBuffer = (globalThis as { Buffer?: Latin1 }).Buffer;

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
    : (bytes, end) => NodeBuffer.from(bytes.buffer, bytes.byteOffset, end).toString('latin1');

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
    const delta = at - previousAt;
    if (!Number.isSafeInteger(delta) || previousAt + delta !== at || !exactCount(key)) return undefined;
    let auxKind = AUX_NONE;
    let auxDelta = 0;
    let ref: string | undefined;
    if (aux !== 0) {
      if (flags & FLAG.poll) {
        auxKind = AUX_REQUESTED;
        auxDelta = at - aux;
        if (!Number.isSafeInteger(auxDelta) || at - auxDelta !== aux) return undefined;
      } else if (eventTypeOf(info) === 'watchlist') {
        auxKind = AUX_REF;
        ref = state.strings[aux - 1];
        if (ref === undefined) return undefined;
      } else {
        auxKind = AUX_RAW;
        if (!exactCount(aux) || aux >= TWO_56) return undefined;
      }
    }
    writeVarint(type + flags * 64 + auxKind * 1024 + (delta < 0 ? 4096 : 0) + (auxDelta < 0 ? 8192 : 0));
    writeVarint(Math.abs(delta));
    writeFixed(key);
    const name = file === 0 ? undefined : state.strings[file - 1];
    writeVarint(name === undefined ? 0 : tables.file(name));
    writeVarint(line);
    if (auxKind === AUX_REQUESTED) writeVarint(Math.abs(auxDelta));
    else if (auxKind === AUX_RAW) writeFixed(aux);
    else if (ref !== undefined) {
      writeVarint(ref.length);
      for (let c = 0; c < ref.length; c++) writeVarint(ref.charCodeAt(c));
    }
    if (flags & FLAG.note) {
      // Notes are sorted like the atoms: the next one belongs to this atom, or none does.
      const note = state.notes[noteIndex];
      if (note !== undefined && note.at === at && note.key === key) {
        writeVarint(tables.note(note));
        noteIndex++;
      } else writeVarint(0);
    }
    previousAt = at;
    if (length > MAX_PACKED_BYTES) return undefined;
  }
  // Notes of no atom, or not in atom order: keep the state open, as it is.
  if (noteIndex !== state.notes.length) return undefined;
  return bytesToString(out, length);
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

/** A packed state, open again for changes (a new state each time: nothing is shared with it). */
export function unpackState(interviewId: string, bytes: string, tables: PackTables): MutableState {
  const atoms: number[] = [];
  const notes: Note[] = [];
  // The session's own strings: its files, then its refs (one shared array for a single file).
  let files: number[] | undefined;
  let strings: string[] | undefined;
  input = bytes;
  position = 0;
  const stringIndex = (text: string): number => {
    strings ??= (files ?? []).map((number) => tables.fileName(number));
    const found = strings.indexOf(text);
    if (found >= 0) return found + 1;
    strings.push(text);
    return strings.length;
  };
  let at = 0;
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
    atoms.push(at, key, packInfo(type, flags, file <= MAX_FILES ? file : 0, line), aux);
    if (flags & FLAG.note) {
      const number = readVarint();
      if (number > 0) notes.push(tables.noteAt(number, at, key));
    }
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
