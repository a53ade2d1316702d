/**
 * Temporary files of a fold larger than memory. Each is made in the system's temporary directory
 * (`TMPDIR`) with no name (Linux), or removed from it the moment it is made, while this process
 * keeps it open: no one can see it, and the system frees it when the process ends, however it
 * ends (Ctrl-C, an error, even `kill -9`). Where a system cannot remove an open file, it is
 * removed at exit.
 */
import { closeSync, constants, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandFailure } from '../usage.js';

/** A temporary file could not be written (a full disk, most likely): one line, exit 1. */
export class TempSpaceError extends CommandFailure {
  override name = 'TempSpaceError';
}

let made = 0;
const left = new Set<string>();
process.once('exit', () => {
  for (const path of left) {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }
});

// Linux makes a file with no name at all (O_TMPFILE): nothing to remove, even for an instant.
// Node does not name the flag; this is its value on the common architectures.
const O_TMPFILE = 0o20200000;
let unnamed = process.platform === 'linux';

/** A new temporary file, open for reading and writing: its descriptor. */
export function openTemp(): number {
  if (unnamed) {
    try {
      return openSync(tmpdir(), constants.O_RDWR | O_TMPFILE, 0o600);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Not where the file system cannot: a name, removed at once, then.
      if (code === 'EOPNOTSUPP' || code === 'EISDIR' || code === 'EINVAL') unnamed = false;
      else throw spaceError(error);
    }
  }
  const path = join(tmpdir(), `onboarding-status-${process.pid}-${Date.now().toString(36)}-${made++}.tmp`);
  let fd: number;
  try {
    fd = openSync(path, 'wx+', 0o600);
  } catch (error) {
    throw spaceError(error);
  }
  try {
    unlinkSync(path);
  } catch {
    left.add(path);
  }
  return fd;
}

/** The error to report for a failed write or open of a temporary file. */
function spaceError(error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  const why = code === 'ENOSPC' ? 'no space left on the device' : String((error as Error).message ?? error);
  return new TempSpaceError(
    `cannot write temporary files in ${tmpdir()} (${why}); the log does not fit the memory budget, so its records are partitioned on disk first: free some space, set TMPDIR to a larger disk, or raise --max-memory`,
  );
}

/** Appends to a temporary file through a buffer. */
export class TempWriter {
  readonly fd = openTemp();
  #buffer = Buffer.allocUnsafe(1 << 16);
  #used = 0;
  /** Bytes written so far (buffered ones included). */
  size = 0;

  /** Room for `bytes` more in the buffer (writing out what is there, or growing it). */
  #room(bytes: number): void {
    if (this.#used + bytes <= this.#buffer.length) return;
    this.flush();
    if (bytes > this.#buffer.length) this.#buffer = Buffer.allocUnsafe(bytes);
  }

  uint32(n: number): void {
    this.#room(4);
    this.#buffer.writeUInt32LE(n, this.#used);
    this.#used += 4;
    this.size += 4;
  }

  float64(n: number): void {
    this.#room(8);
    this.#buffer.writeDoubleLE(n, this.#used);
    this.#used += 8;
    this.size += 8;
  }

  /** A string with its length, in UTF-8 (or Latin-1, for packed states, one byte a character). */
  string(text: string, encoding: 'utf8' | 'latin1' = 'utf8'): void {
    const bytes = encoding === 'latin1' ? text.length : Buffer.byteLength(text, 'utf8');
    this.uint32(bytes);
    this.#room(bytes);
    this.#buffer.write(text, this.#used, bytes, encoding);
    this.#used += bytes;
    this.size += bytes;
  }

  flush(): void {
    let offset = 0;
    try {
      while (offset < this.#used) offset += writeSync(this.fd, this.#buffer, offset, this.#used - offset);
    } catch (error) {
      throw spaceError(error);
    }
    this.#used = 0;
  }

  /** Everything written, for reading back from the start. */
  reader(): TempReader {
    this.flush();
    return new TempReader(this.fd, this.size);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Reads a temporary file back from the start, value by value. */
export class TempReader {
  #buffer = Buffer.allocUnsafe(1 << 16);
  #start = 0;
  #end = 0;
  #position = 0;

  constructor(
    readonly fd: number,
    readonly size: number,
  ) {}

  /** Whether everything has been read. */
  get done(): boolean {
    return this.#position >= this.size && this.#start >= this.#end;
  }

  /** At least `bytes` in the buffer from `#start`. */
  #fill(bytes: number): void {
    if (this.#end - this.#start >= bytes) return;
    const kept = this.#end - this.#start;
    if (bytes > this.#buffer.length) {
      const bigger = Buffer.allocUnsafe(Math.max(bytes, this.#buffer.length * 2));
      this.#buffer.copy(bigger, 0, this.#start, this.#end);
      this.#buffer = bigger;
    } else this.#buffer.copy(this.#buffer, 0, this.#start, this.#end);
    this.#start = 0;
    this.#end = kept;
    while (this.#end - this.#start < bytes) {
      const read = readSync(this.fd, this.#buffer, this.#end, this.#buffer.length - this.#end, this.#position);
      if (read === 0) throw new Error('a temporary file ended early');
      this.#position += read;
      this.#end += read;
    }
  }

  uint32(): number {
    this.#fill(4);
    const n = this.#buffer.readUInt32LE(this.#start);
    this.#start += 4;
    return n;
  }

  float64(): number {
    this.#fill(8);
    const n = this.#buffer.readDoubleLE(this.#start);
    this.#start += 8;
    return n;
  }

  string(encoding: 'utf8' | 'latin1' = 'utf8'): string {
    const bytes = this.uint32();
    this.#fill(bytes);
    const text = this.#buffer.toString(encoding, this.#start, this.#start + bytes);
    this.#start += bytes;
    return text;
  }
}
