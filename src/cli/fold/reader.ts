/**
 * Reading logs for a parallel fold: each input as chunks of whole lines (about a megabyte, more
 * for a longer line), in memory the workers share, with the non-blank lines of each chunk dealt
 * to the workers by the owner their bytes suggest (`OwnerGuess`). Whether an input is a JSON
 * Lines log at all is judged here as it streams by (`LogCheck`). A UTF-8 byte-order mark at the
 * start of an input is skipped, and a line may end with CRLF: neither changes a record.
 */
import { open } from 'node:fs/promises';
import { LogCheck } from '../sniff.js';
import { InputError } from '../usage.js';
import { OwnerGuess } from './owner.js';

/** A chunk of whole lines of one input. */
export interface Chunk {
  /** The bytes (shared with the workers when they run in threads). */
  readonly bytes: Buffer;
  /** The input (an index into the files). */
  readonly file: number;
  /** For each worker: its lines, as (start, end, line number) triples; `\r\n` ends left out. */
  readonly lines: readonly Float64Array[];
}

/** What reading found, once done. */
export interface ReadTotals {
  /** Non-blank lines. */
  readonly records: number;
  /** Inputs that held no record. */
  readonly empty: readonly string[];
}

const CHUNK = 1 << 20;
const NEWLINE = 10;
const RETURN = 13;
const BRACE = 0x7b;

/** Something bytes can be read from, into a buffer at an offset: how many were read (0 at the end). */
type Source = (into: Buffer, offset: number) => Promise<number>;

/** Bytes of a file, from the start. */
async function fileSource(path: string): Promise<{ read: Source; close(): Promise<void> }> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  return {
    async read(into, offset) {
      try {
        return (await handle.read(into, offset, into.length - offset, null)).bytesRead;
      } catch (error) {
        throw new InputError(`cannot read ${path}: ${(error as Error).message}`);
      }
    },
    close: () => handle.close(),
  };
}

/** Bytes of standard input, as they come. */
function stdinSource(): { read: Source; close(): Promise<void> } {
  const pieces = (process.stdin as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  let pending: Buffer | undefined;
  return {
    async read(into, offset) {
      if (pending === undefined || pending.length === 0) {
        const next = await pieces.next();
        if (next.done) return 0;
        pending = next.value;
      }
      const count = Math.min(pending.length, into.length - offset);
      pending.copy(into, offset, 0, count);
      pending = pending.subarray(count);
      return count;
    },
    close: async () => {},
  };
}

/** Reads the inputs in order, as chunks of lines dealt to `workers` workers. */
export class LogReader {
  #records = 0;
  readonly #empty: string[] = [];
  /** Chunk buffers given back, to read into again: memory stays what the chunks in flight take. */
  readonly #free: Buffer[] = [];
  /** Per worker, where the lines dealt to it are written before they are sent. */
  readonly #lists: Float64Array[];

  constructor(
    readonly files: readonly string[],
    readonly workers: number,
    /** Chunks in memory workers can share (SharedArrayBuffer), or plain buffers for one thread. */
    readonly shared: boolean,
    /** Deal lines by turns, ignoring what their bytes suggest (for tests of the hand-over). */
    readonly byTurns = false,
  ) {
    this.#lists = Array.from({ length: workers }, () => new Float64Array(3 * 1024));
  }

  get totals(): ReadTotals {
    return { records: this.#records, empty: this.#empty };
  }

  /** Every chunk of every input, in order. */
  async *chunks(): AsyncGenerator<Chunk> {
    for (let file = 0; file < this.files.length; file++) {
      const name = this.files[file] as string;
      const check = new LogCheck(name === '-' ? 'stdin' : name);
      const source = name === '-' ? stdinSource() : await fileSource(name);
      try {
        yield* this.#chunksOf(file, source.read, check);
      } finally {
        await source.close();
      }
      if (check.end().empty) this.#empty.push(check.name);
    }
  }

  #allocate(size: number): Buffer {
    if (size === CHUNK) {
      const free = this.#free.pop();
      if (free !== undefined) return free;
    }
    return this.shared ? Buffer.from(new SharedArrayBuffer(size)) : Buffer.allocUnsafe(size);
  }

  /** A chunk's bytes are no longer read by anyone: read the next chunk into them. */
  release(chunk: Chunk): void {
    if (chunk.bytes.length === CHUNK) this.#free.push(chunk.bytes);
  }

  async *#chunksOf(file: number, read: Source, check: LogCheck): AsyncGenerator<Chunk> {
    let line = 0;
    let carry = Buffer.alloc(0);
    let first = true;
    for (;;) {
      const bytes = this.#allocate(Math.max(CHUNK, carry.length * 2));
      carry.copy(bytes, 0);
      let filled = carry.length;
      let ended = false;
      // Fill the chunk (a read may return less than asked, stdin especially).
      while (filled < bytes.length) {
        const count = await read(bytes, filled);
        if (count === 0) {
          ended = true;
          break;
        }
        if (first) {
          check.chunk(bytes.subarray(filled, filled + count));
          first = false;
        }
        filled += count;
      }
      const last = ended ? filled - 1 : bytes.lastIndexOf(NEWLINE, filled - 1);
      if (last < 0 && !ended) {
        // No line ends in the chunk: a longer line; read on into a larger chunk.
        carry = Buffer.from(bytes.subarray(0, filled));
        if (bytes.length === CHUNK) this.#free.push(bytes);
        continue;
      }
      carry = Buffer.from(bytes.subarray(last + 1, filled));
      const start = line === 0 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
      const dealt = this.#deal(bytes, start, last + 1, line, check);
      line = dealt.line;
      if (last + 1 > 0) yield { bytes, file, lines: dealt.lines };
      else if (bytes.length === CHUNK) this.#free.push(bytes);
      if (ended) return;
    }
  }

  /** Deal the lines of `bytes[start, end)` (whole lines) to the workers. */
  #deal(bytes: Buffer, start: number, end: number, firstLine: number, check: LogCheck) {
    // Each worker's triples, written into buffers reused from chunk to chunk (off the JS heap).
    const lists = this.#lists;
    const counts = new Array<number>(this.workers).fill(0);
    const guess = new OwnerGuess(bytes, this.workers);
    let line = firstLine;
    let from = start;
    while (from < end) {
      let stop = bytes.indexOf(NEWLINE, from);
      if (stop < 0 || stop >= end) stop = end;
      line++;
      let last = stop;
      if (last > from && bytes[last - 1] === RETURN) last--;
      if (last > from && this.#nonBlank(bytes, from, last, check)) {
        this.#records++;
        let owner = this.workers === 1 || this.byTurns ? -1 : guess.owner(from, last);
        if (owner < 0) owner = line % this.workers;
        let list = lists[owner] as Float64Array;
        const at = counts[owner] as number;
        if (at + 3 > list.length) {
          list = new Float64Array(list.length * 2);
          list.set(lists[owner] as Float64Array);
          lists[owner] = list;
        }
        list[at] = from;
        list[at + 1] = last;
        list[at + 2] = line;
        counts[owner] = at + 3;
      }
      from = stop + 1;
    }
    return { line, lines: lists.map((list, owner) => list.slice(0, counts[owner])) };
  }

  /** Whether a line holds more than whitespace; its text goes to the check while it wants it. */
  #nonBlank(bytes: Buffer, start: number, end: number, check: LogCheck): boolean {
    if (bytes[start] !== BRACE || check.wantsText) {
      // The line as `validate` reads it: its carriage return (if any) is whitespace too.
      const text = bytes.toString('utf8', start, end);
      if (text.trim() === '') return false;
      check.line(check.wantsText ? text : undefined);
      return true;
    }
    check.line();
    return true;
  }
}
