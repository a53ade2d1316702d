/**
 * Output that respects back-pressure: a pipe slower than the fold (`| head`, `| jq`) must not
 * make the process buffer the whole output in memory.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** A buffered writer that waits for the stream to drain before it takes more. */
export interface Sink {
  /** Text, or bytes already encoded (UTF-8). */
  write(text: string | Uint8Array): Promise<void>;
  end(): Promise<void>;
}

/** Write to `stream` in chunks of about 64 KiB, waiting for `drain` when it is full. */
export function sink(stream: Writable = process.stdout): Sink {
  let parts: (string | Uint8Array)[] = [];
  let size = 0;
  const flush = async () => {
    if (parts.length === 0) return;
    const chunk = parts.every((part) => typeof part === 'string')
      ? parts.join('')
      : Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : part)));
    parts = [];
    size = 0;
    if (!stream.write(chunk)) await once(stream, 'drain');
  };
  return {
    async write(text) {
      parts.push(text);
      size += text.length;
      if (size >= 1 << 16) await flush();
    },
    end: flush,
  };
}
