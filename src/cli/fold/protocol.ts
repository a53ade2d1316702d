/**
 * What the main thread of a parallel fold asks of a shard, and how: in a worker thread (messages)
 * or in this thread (calls), behind one `ShardClient`, so a fold with one job runs the very same
 * requests without a thread.
 */
import { Worker } from 'node:worker_threads';
import type { SessionState } from '../../core/state.js';
import type { IdCarriers } from '../../core/ties.js';
import { CommandFailure } from '../usage.js';
import type { Entry } from './runs.js';
import {
  type Handover,
  type OutputRequest,
  type OutputSummary,
  Shard,
  type ShardOptions,
  type SourcedLine,
} from './shard.js';
import { TempSpaceError } from './temp.js';

/** A request to a shard, and what it answers. */
export type Request =
  | { readonly t: 'take'; readonly bytes: Uint8Array; readonly file: number; readonly lines: Float64Array }
  | { readonly t: 'handed'; readonly items: readonly SourcedLine[] }
  | { readonly t: 'carriers'; readonly ids: readonly number[] }
  | { readonly t: 'tie'; readonly items: readonly { readonly target: string; readonly record: SessionState }[] }
  | { readonly t: 'prepare'; readonly request: OutputRequest }
  | { readonly t: 'next' };

/** What a shard answers to `take`. */
export interface Taken extends Handover {
  /** Sessions it holds now (for the progress line). */
  readonly sessions: number;
}

/**
 * Output entries as they cross to the main thread: their texts as UTF-8 in one buffer (moved,
 * not copied, and written out as they are), with their keys and error counts beside them.
 */
export interface Batch {
  readonly keys: readonly string[];
  readonly errors: readonly number[];
  /** Where each text ends in `bytes`. */
  readonly ends: Uint32Array;
  readonly bytes: Uint8Array;
}

type Answer<R extends Request> = R extends { t: 'take' }
  ? Taken
  : R extends { t: 'carriers' }
    ? (IdCarriers | undefined)[]
    : R extends { t: 'prepare' }
      ? OutputSummary
      : R extends { t: 'next' }
        ? Batch
        : undefined;

/** Entries as a batch. */
function batchOf(entries: readonly Entry[]): Batch {
  let total = 0;
  for (const entry of entries) total += Buffer.byteLength(entry.text);
  // A buffer of its own (not a slice of Node's pool): it is moved to the other thread.
  const bytes = new Uint8Array(total);
  const view = Buffer.from(bytes.buffer);
  const ends = new Uint32Array(entries.length);
  let at = 0;
  entries.forEach((entry, i) => {
    at += view.write(entry.text, at);
    ends[i] = at;
  });
  return { keys: entries.map((entry) => entry.key), errors: entries.map((entry) => entry.errors), ends, bytes };
}

/** The lines of a chunk, decoded (each when it is reached). */
function* linesOf(bytes: Buffer, file: number, lines: Float64Array): Generator<SourcedLine> {
  for (let i = 0; i < lines.length; i += 3) {
    yield { text: bytes.toString('utf8', lines[i], lines[i + 1]), file, line: lines[i + 2] as number };
  }
}

/** Carry out one request on a shard: its answer, and what to transfer with it. */
export function serve(shard: Shard, request: Request): [unknown, ArrayBuffer[]] {
  switch (request.t) {
    case 'take': {
      const bytes = Buffer.from(request.bytes.buffer, request.bytes.byteOffset, request.bytes.byteLength);
      const handover: Handover = { forward: [], sessionless: [] };
      shard.take(linesOf(bytes, request.file, request.lines), handover);
      return [{ ...handover, sessions: shard.sessions } satisfies Taken, []];
    }
    case 'handed':
      shard.takeHandedOver(request.items);
      return [undefined, []];
    case 'carriers':
      return [shard.carriers(request.ids), []];
    case 'tie':
      shard.tie(request.items);
      return [undefined, []];
    case 'prepare':
      return [shard.prepare(request.request), []];
    case 'next': {
      const batch = batchOf(shard.next());
      return [batch, [batch.bytes.buffer as ArrayBuffer]];
    }
  }
}

/** A shard, wherever it runs. */
export interface ShardClient {
  call<R extends Request>(request: R): Promise<Answer<R>>;
  close(): Promise<void>;
}

/** A shard in this thread. */
export function localShard(options: ShardOptions): ShardClient {
  const shard = new Shard(options);
  return {
    async call(request) {
      return serve(shard, request)[0] as Answer<typeof request>;
    },
    async close() {},
  };
}

/**
 * Whether shards can run in worker threads: not when this module runs from its TypeScript source
 * (under tsx, a worker thread would not have the loader): then they run in this thread, with the
 * very same output.
 */
export const workersAvailable = !import.meta.url.endsWith('.ts');

/** A shard in a worker thread of its own. */
export function workerShard(options: ShardOptions): ShardClient {
  // The heap is held to the budget (and room for the rest), so garbage is collected before the
  // memory the fold was given runs out, rather than whenever V8 would get to it.
  const worker = new Worker(new URL('./worker.js', import.meta.url), {
    workerData: options,
    resourceLimits: {
      maxOldGenerationSizeMb: Math.max(48, Math.ceil(options.budget / 2 ** 20) + 32),
      maxYoungGenerationSizeMb: 8,
    },
  });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let next = 0;
  let failure: Error | undefined;
  const failAll = (error: Error) => {
    failure ??= error;
    for (const { reject } of pending.values()) reject(failure);
    pending.clear();
  };
  worker.on('message', (message: { id: number; value?: unknown; error?: string }) => {
    const waiting = pending.get(message.id);
    if (waiting === undefined) return;
    pending.delete(message.id);
    if (message.error === undefined) waiting.resolve(message.value);
    else waiting.reject(errorOf(message.error));
  });
  worker.on('error', (error: Error & { code?: string }) =>
    failAll(
      error.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? new CommandFailure(
            'a worker ran out of memory (its sessions took more than the budget allows for): raise --max-memory, or lower --jobs',
          )
        : error,
    ),
  );
  worker.on('exit', (code) => failAll(new Error(`a fold worker stopped (exit code ${code})`)));
  return {
    call(request) {
      if (failure !== undefined) return Promise.reject(failure);
      const id = next++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        worker.postMessage({ ...request, id });
      });
    },
    async close() {
      failure ??= new Error('the fold is over');
      await worker.terminate();
    },
  };
}

/** A worker's error as the main thread reports it (a full disk keeps its own message). */
function errorOf(text: string): Error {
  const prefix = `${TempSpaceError.name}: `;
  if (text.startsWith(prefix)) return new TempSpaceError(text.slice(prefix.length));
  return new Error(text);
}
