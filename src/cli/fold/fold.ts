/**
 * A fold of logs on every core, in bounded memory, with the very answer of a fold in one thread.
 *
 * The main thread reads the inputs and deals their lines to the workers (`Shard`s), each owning
 * the sessions whose ids hash to it: sessions are mergeable (docs/spec.md#9-mergeable), so the
 * union of their sessions is the fold of the whole. A worker hands on what it does not own;
 * records that name no session come back here, in the order read, and wait for the end: their
 * correlation ids are then looked up in every worker, and each is tied to the session of the
 * earliest record carrying one (`tieOf`, as the `Ledger` ties them). Then each worker writes out
 * its sessions' views or findings in order, and they are merged into one sorted output.
 */
import os from 'node:os';
import { parseLine } from '../../records/parse.js';
import type { Anomaly, FlowConfig } from '../../types.js';
import { countAnomalies } from '../findings.js';
import { progressLine } from '../progress.js';
import { ownerOf } from './owner.js';
import { localShard, type ShardClient, type Taken, workerShard, workersAvailable } from './protocol.js';
import { type Chunk, LogReader } from './reader.js';
import { Sessionless, type TiedRecord } from './sessionless.js';
import { findingEntry, type OutputRequest, type OutputSummary, type ShardOptions, type SourcedLine } from './shard.js';

/** One piece of output, in order: its key, its text (UTF-8), the errors it reports. */
export interface Piece {
  readonly key: string;
  readonly bytes: Uint8Array;
  readonly errors: number;
}

/** A piece's text. */
export const textOf = (piece: Piece): string =>
  Buffer.from(piece.bytes.buffer, piece.bytes.byteOffset, piece.bytes.byteLength).toString('utf8');

/** How to fold. */
export interface FoldRequest {
  readonly files: readonly string[];
  /** Worker threads (1: none, all in this thread). */
  readonly jobs: number;
  /** About how much memory the fold may take (bytes); sessions past it go to disk. */
  readonly maxMemory: number;
  readonly flow?: FlowConfig;
  /** Show a progress line (on a terminal only). */
  readonly progress: boolean;
  /** For tests: run the shards in this thread even with several jobs. */
  readonly threads?: boolean;
  /** For tests: deal lines by turns, ignoring what their bytes suggest (every guess may be wrong). */
  readonly dealByTurns?: boolean;
  /** For tests: each shard's budget for sessions, in bytes, instead of one derived from `maxMemory`. */
  readonly budget?: number;
}

/** A finished fold, ready to write out. */
export interface Folded {
  /** Non-blank lines read. */
  readonly records: number;
  /** Inputs that held no record. */
  readonly empty: readonly string[];
  /** Anomalies of the records that belong to no session. */
  readonly orphans: readonly Anomaly[];
  /** Every session's view (`views`) or every anomaly (`findings`), in order; what it holds first. */
  output(request: OutputRequest): Promise<{ readonly summary: OutputSummary; readonly entries: AsyncIterable<Piece> }>;
  /** Stop the workers. */
  close(): Promise<void>;
}

/** The default of `--max-memory`: 192 MB, and 64 MB per job. */
export const defaultMaxMemory = (jobs: number): number => (192 + 64 * jobs) * 2 ** 20;
/** What the runtime takes before any session: the main thread, and each worker thread. */
const BASE_MEMORY = 64 * 2 ** 20;
const WORKER_MEMORY = 32 * 2 ** 20;
/** Chunks read ahead of the workers, per worker. */
const AHEAD = 3;

/** Each worker's budget for its sessions: what is left of the memory, halved for garbage. */
export function sessionBudget(maxMemory: number, jobs: number): number {
  return Math.max(64 * 2 ** 10, (maxMemory - BASE_MEMORY - jobs * WORKER_MEMORY) / (2 * jobs));
}

/** The default number of jobs: one per core. */
export const defaultJobs = (): number => Math.max(1, os.availableParallelism?.() ?? os.cpus().length);

/** Fold logs in parallel. */
export async function foldInParallel(request: FoldRequest): Promise<Folded> {
  const { files, jobs, flow } = request;
  const budget = request.budget ?? sessionBudget(request.maxMemory, jobs);
  const options = (index: number): ShardOptions => ({ index, count: jobs, files, flow, budget });
  const threads = request.threads ?? (jobs > 1 && workersAvailable);
  const clients: ShardClient[] = Array.from({ length: jobs }, (_, i) =>
    threads ? workerShard(options(i)) : localShard(options(i)),
  );
  // Stopped (Ctrl-C, kill): exit as a shell expects, through the exit handlers that remove what
  // temporary files a system would not let go of while open.
  const interrupted = () => process.exit(130);
  const terminated = () => process.exit(143);
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', terminated);
  const stop = async () => {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', terminated);
    await Promise.all(clients.map((client) => client.close()));
  };
  try {
    return await fold(request, budget, threads, clients, stop);
  } catch (error) {
    await stop();
    throw error;
  }
}

async function fold(
  request: FoldRequest,
  budget: number,
  threads: boolean,
  clients: readonly ShardClient[],
  stop: () => Promise<unknown>,
): Promise<Folded> {
  const { files, jobs } = request;
  const reader = new LogReader(files, jobs, threads, request.dealByTurns === true);
  // Records that name no session: kept here, in the order read, until the end.
  const sessionless = new Sessionless(budget);
  const progress = request.progress ? progressLine() : undefined;
  const sessions = new Array<number>(jobs).fill(0);
  const queue: { chunk: Chunk; taken: Promise<(Taken | undefined)[]> }[] = [];
  const handed: Promise<unknown>[] = [];
  const watch = <T>(promise: Promise<T>): Promise<T> => {
    promise.catch(() => {}); // awaited later; a failure is reported there, once
    return promise;
  };
  const settle = (taken: (Taken | undefined)[]) => {
    const lines: SourcedLine[] = [];
    taken.forEach((answer, worker) => {
      if (answer === undefined) return;
      sessions[worker] = answer.sessions;
      answer.forward.forEach((items, to) => {
        if (items !== undefined && items.length > 0) handed.push(watch(clients[to].call({ t: 'handed', items })));
      });
      lines.push(...answer.sessionless);
    });
    // In the order read, as a fold in one thread would meet them.
    lines.sort((a, b) => a.line - b.line);
    for (const item of lines) sessionless.add(parseLine(item.text, { file: files[item.file], line: item.line }));
  };
  /** Settle the oldest chunk in flight, and read the next one into its bytes. */
  const next = async () => {
    const { chunk, taken } = queue.shift() as (typeof queue)[number];
    settle(await taken);
    reader.release(chunk);
  };
  try {
    for await (const chunk of reader.chunks()) {
      const taken = Promise.all(
        clients.map((client, worker) => {
          const lines = chunk.lines[worker];
          return lines.length === 0
            ? undefined
            : client.call({ t: 'take', bytes: chunk.bytes, file: chunk.file, lines });
        }),
      );
      queue.push({ chunk, taken: watch(taken) });
      while (queue.length > AHEAD * jobs) await next();
      progress?.update(
        reader.totals.records,
        sessions.reduce((a, b) => a + b, 0),
      );
    }
    while (queue.length > 0) await next();
    await Promise.all(handed);
  } finally {
    progress?.done();
  }
  // Every session is known: tie the records that name none to theirs, in whichever worker.
  const orphans = await sessionless.tie(
    (ids) => Promise.all(clients.map((client) => client.call({ t: 'carriers', ids }))),
    async (tied) => {
      const byOwner = clients.map((): TiedRecord[] => []);
      for (const item of tied) byOwner[ownerOf(item.target, jobs)].push(item);
      await Promise.all(
        byOwner.map((items, worker) => (items.length === 0 ? undefined : clients[worker].call({ t: 'tie', items }))),
      );
    },
    request.flow,
  );
  const { records, empty } = reader.totals;
  return {
    records,
    empty,
    orphans,
    async output(outputRequest) {
      const summaries = await Promise.all(
        clients.map((client) => client.call({ t: 'prepare', request: outputRequest })),
      );
      const summary = { sessions: 0, errors: 0, warnings: 0 };
      for (const each of summaries) {
        summary.sessions += each.sessions;
        summary.errors += each.errors;
        summary.warnings += each.warnings;
      }
      const sources: AsyncIterator<Piece>[] = clients.map((client) => piecesOf(client));
      if (outputRequest.kind === 'findings') {
        const counted = countAnomalies(orphans);
        summary.errors += counted.errors;
        summary.warnings += counted.warnings;
        const own = orphans.map((anomaly, seq) => findingEntry(anomaly, null, seq, files, outputRequest.lines));
        own.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
        sources.push(asyncOf(own.map(({ key, text, errors }) => ({ key, bytes: Buffer.from(text), errors }))));
      }
      return { summary, entries: { [Symbol.asyncIterator]: () => mergeAsync(sources) } };
    },
    close: async () => {
      await stop();
    },
  };
}

/** A shard's output, batch by batch, the next batch asked for while this one is read. */
async function* piecesOf(client: ShardClient): AsyncGenerator<Piece> {
  let next = client.call({ t: 'next' });
  for (;;) {
    const { keys, errors, ends, bytes } = await next;
    if (keys.length === 0) return;
    next = client.call({ t: 'next' });
    next.catch(() => {});
    let start = 0;
    for (let i = 0; i < keys.length; i++) {
      yield { key: keys[i] as string, bytes: bytes.subarray(start, ends[i]), errors: errors[i] as number };
      start = ends[i] as number;
    }
  }
}

async function* asyncOf<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

/** Merge sorted sources by key (of equal keys, the earlier source's first). */
async function* mergeAsync(sources: readonly AsyncIterator<Piece>[]): AsyncGenerator<Piece> {
  const heads: (Piece | undefined)[] = await Promise.all(
    sources.map(async (source) => {
      const next = await source.next();
      return next.done ? undefined : next.value;
    }),
  );
  for (;;) {
    let smallest = -1;
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i];
      if (head !== undefined && (smallest < 0 || head.key < (heads[smallest] as Piece).key)) smallest = i;
    }
    if (smallest < 0) return;
    yield heads[smallest] as Piece;
    const next = await sources[smallest].next();
    heads[smallest] = next.done ? undefined : next.value;
  }
}
