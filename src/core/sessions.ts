/**
 * Many sessions' states in memory: each packed at rest (`packed.ts`), the most recently opened
 * ones open for changes. What a `Ledger` keeps its sessions in, and what a worker of a parallel
 * fold keeps the sessions it owns in.
 */
import type { ParsedRecord } from '../records/parse.js';
import { appendRecord, MAX_PACKED_BYTES, PackTables, packRecord, packState, unpackState } from './packed.js';
import { applyInPlace, atomOf, initialSession, type MutableState, mergeInto, thaw } from './state.js';
import { compareIds } from './ties.js';

/** Roughly what a session costs beside its packed bytes (map entry, id, string header). */
const SESSION_OVERHEAD = 112;
/** Roughly what an open session costs (its arrays and objects), at most. */
const OPEN_COST = 2048;

/** Sessions by id, packed at rest. */
export class SessionMap {
  /** Each session, packed, or open (an object changed in place). */
  readonly #sessions = new Map<string, string | MutableState>();
  /** The sessions opened since they were last packed, oldest first. */
  readonly #open = new Set<string>();
  readonly #openLimit: number;
  /** What the packed sessions' bytes add up to. */
  #packedBytes = 0;
  /** The sessions too large to pack, which stay open. */
  #large = 0;
  /** The numbers file names and note payloads have in packed sessions. */
  readonly tables: PackTables;

  /**
   * @param openLimit how many sessions stay open before the least recently opened is packed
   * @param tables the numbering of file names and notes, when packed sessions are shared with
   * another map (a worker writes them to a file and reads them back into a new map)
   */
  constructor(openLimit = 64, tables = new PackTables()) {
    this.#openLimit = Math.max(1, openLimit);
    this.tables = tables;
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** Whether a session is here. */
  has(interviewId: string): boolean {
    return this.#sessions.has(interviewId);
  }

  /** A session open for changes, created if new. It stays open until `packOldest`. */
  open(interviewId: string): MutableState {
    const slot = this.#sessions.get(interviewId);
    if (slot === undefined) {
      const session = thaw(initialSession(interviewId));
      this.#sessions.set(interviewId, session);
      this.#open.add(interviewId);
      return session;
    }
    if (typeof slot !== 'string') return slot;
    const session = unpackState(interviewId, slot, this.tables);
    this.#packedBytes -= slot.length;
    this.#sessions.set(interviewId, session);
    this.#open.add(interviewId);
    return session;
  }

  /**
   * Apply a parsed record to its session (created if new), `false` when the very same record was
   * there. A packed session takes it without being opened (`appendRecord`).
   */
  apply(interviewId: string, parsed: ParsedRecord, ids: readonly number[]): boolean {
    const slot = this.#sessions.get(interviewId);
    if (slot === undefined || typeof slot === 'string') {
      const atom = atomOf(parsed, undefined, ids);
      const next = slot === undefined ? packRecord(atom, this.tables) : appendRecord(slot, atom, this.tables);
      if (next === false) return false;
      if (next !== undefined) {
        this.#sessions.set(interviewId, next);
        this.#packedBytes += next.length - (slot?.length ?? 0);
        return true;
      }
    }
    // A large session, or a value the bytes cannot hold: open it.
    return applyInPlace(this.open(interviewId), parsed, undefined, ids);
  }

  /** A session to read, if it is here: a packed one is unpacked for the reader and left packed. */
  read(interviewId: string): MutableState | undefined {
    const slot = this.#sessions.get(interviewId);
    return slot === undefined || typeof slot !== 'string' ? slot : unpackState(interviewId, slot, this.tables);
  }

  /**
   * Merge a state (packed with this map's tables, or open) into a session: the union of their
   * records (`readFirst` as `mergeInto` takes it).
   */
  merge(interviewId: string, state: string | MutableState, readFirst?: Parameters<typeof mergeInto>[2]): void {
    const slot = this.#sessions.get(interviewId);
    if (slot === undefined && typeof state === 'string') {
      this.#sessions.set(interviewId, state);
      this.#packedBytes += state.length;
      return;
    }
    const other = typeof state === 'string' ? unpackState(interviewId, state, this.tables) : state;
    mergeInto(this.open(interviewId), other, readFirst);
  }

  /**
   * Pack the sessions opened longest ago, down to the limit. Call it between operations only:
   * no caller may hold an open session then. A session too large to pack stays open.
   */
  packOldest(limit = this.#openLimit): void {
    for (const id of this.#open) {
      if (this.#open.size <= limit) return;
      this.#open.delete(id);
      const session = this.#sessions.get(id);
      if (session === undefined || typeof session === 'string') continue;
      const packed = packState(session, this.tables);
      if (packed === undefined) this.#large++;
      else {
        this.#sessions.set(id, packed);
        this.#packedBytes += packed.length;
      }
    }
  }

  /** The sessions' ids, in code-unit order (the same on every machine, unlike a locale compare). */
  ids(): string[] {
    return [...this.#sessions.keys()].sort(compareIds);
  }

  /** Every session packed (packing the open ones), for writing elsewhere; large ones as states. */
  *entries(): Generator<[interviewId: string, session: string | MutableState]> {
    this.packOldest(0);
    yield* this.#sessions;
  }

  /**
   * About how many bytes of memory the sessions take: what a memory budget is checked against.
   * An estimate from the packed sizes, so the same records always give the same figure.
   */
  estimatedBytes(): number {
    return (
      this.#packedBytes +
      this.#sessions.size * SESSION_OVERHEAD +
      this.#open.size * OPEN_COST +
      this.#large * MAX_PACKED_BYTES * 4
    );
  }
}
