/**
 * Which worker of a parallel fold owns a session: a hash of its id. The reader guesses the owner
 * of a line from its bytes (the first `"interviewId":"…"` in it), so that a line is parsed once,
 * by the worker that will keep its session; a guess that turns out wrong only costs a hand-over.
 */

/** FNV-1a over a string's UTF-16 code units. */
function hashId(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The worker (of `count`) that owns a session. */
export const ownerOf = (interviewId: string, count: number): number => (count === 1 ? 0 : hashId(interviewId) % count);

/** The partition (of `count`, at a depth of splitting) a session's records go to when spilled. */
export function partitionOf(interviewId: string, count: number, depth: number): number {
  let h = 0x9e3779b9 ^ Math.imul(depth + 1, 0x85ebca6b);
  for (let i = 0; i < interviewId.length; i++) h = Math.imul(h ^ interviewId.charCodeAt(i), 0x01000193);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) % count;
}

const PATTERN = Buffer.from('nterviewId":"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Guesses owners for the lines of one chunk of bytes, in order: each line's owner is what the
 * first `"interviewId":"…"` (or `"InterviewId":"…"`) in it suggests, hashed as `ownerOf` hashes
 * the parsed id (only plain ASCII ids are read, whose bytes are their code units).
 */
export class OwnerGuess {
  /** Where the pattern next occurs at or after `#from`, -1 for nowhere. */
  #next = -2;
  #from = 0;

  constructor(
    readonly bytes: Buffer,
    readonly count: number,
  ) {}

  #find(from: number): number {
    // Lines come in order: a search from earlier that found nothing before `from` still holds.
    if (this.#next !== -2 && this.#from <= from && (this.#next === -1 || this.#next >= from)) return this.#next;
    this.#from = from;
    this.#next = this.bytes.indexOf(PATTERN, from);
    return this.#next;
  }

  /** The owner `bytes[start, end)` suggests, or -1 when it names no readable session id. */
  owner(start: number, end: number): number {
    const bytes = this.bytes;
    let from = start;
    for (;;) {
      const at = this.#find(from);
      if (at < 0 || at + PATTERN.length >= end) return -1;
      if (at - 2 >= start && bytes[at - 2] === QUOTE && (bytes[at - 1] === 0x69 || bytes[at - 1] === 0x49)) {
        let h = 0x811c9dc5;
        for (let i = at + PATTERN.length; i < end; i++) {
          const byte = bytes[i] as number;
          if (byte === QUOTE) return i === at + PATTERN.length ? -1 : (h >>> 0) % this.count;
          if (byte === BACKSLASH || byte >= 0x80) return -1;
          h = Math.imul(h ^ byte, 0x01000193);
        }
        return -1;
      }
      from = at + 1;
    }
  }
}
