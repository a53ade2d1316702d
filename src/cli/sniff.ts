/**
 * Whether a file is a JSON Lines log at all, judged as it streams by: a binary file is refused at
 * its first chunk, and a text file none of whose lines is a JSON object is refused at its end
 * (a log with some broken lines is a log with problems, which the core reports line by line).
 */
import { InputError } from './usage.js';

const RECORD_DOC = 'one delivery record, a JSON object, a line: docs/spec.md#the-delivery-record';

/** Looks at one input as it is read; throws `InputError` when it is not a JSON Lines log. */
export class LogCheck {
  #chunks = 0;
  #lines = 0;
  #objects = 0;

  constructor(readonly name: string) {}

  /** A chunk of bytes as read: a NUL byte in the first one means a binary file. */
  chunk(bytes: Buffer): void {
    if (this.#chunks++ === 0 && bytes.subarray(0, 8192).includes(0)) {
      throw new InputError(`${this.name} is a binary file, not a JSON Lines log (${RECORD_DOC})`);
    }
  }

  /** Whether the next non-blank line's text is still wanted (no JSON object seen yet). */
  get wantsText(): boolean {
    return this.#objects === 0;
  }

  /** A non-blank line, its text given only while `wantsText` (parsed here until a JSON object is seen). */
  line(text?: string): void {
    this.#lines++;
    if (this.#objects > 0 || text === undefined) return;
    try {
      const value: unknown = JSON.parse(text);
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) this.#objects++;
    } catch {
      // not JSON: the core reports it, if the file turns out to be a log
    }
  }

  /** The end of the input: whether it was empty (a warning); refused if no line was a JSON object. */
  end(): { empty: boolean } {
    if (this.#lines > 0 && this.#objects === 0) {
      throw new InputError(`${this.name} is not a JSON Lines log: no line is a JSON object (${RECORD_DOC})`);
    }
    return { empty: this.#lines === 0 };
  }
}
