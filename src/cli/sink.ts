/**
 * Output that respects back-pressure: a pipe slower than the fold (`| head`, `| jq`) must not
 * make the process buffer the whole output in memory.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** A buffered writer that waits for the stream to drain before it takes more. */
export interface Sink {
  write(text: string): Promise<void>;
  end(): Promise<void>;
}

/** Write to `stream` in chunks of about 64 KiB, waiting for `drain` when it is full. */
export function sink(stream: Writable = process.stdout): Sink {
  let buffer = '';
  const flush = async () => {
    if (buffer === '') return;
    const chunk = buffer;
    buffer = '';
    if (!stream.write(chunk)) await once(stream, 'drain');
  };
  return {
    async write(text) {
      buffer += text;
      if (buffer.length >= 1 << 16) await flush();
    },
    end: flush,
  };
}
