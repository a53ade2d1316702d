/**
 * A fold of logs on every core, in bounded memory, with the very answer of a fold in one thread.
 *
 * The main thread reads the inputs and deals their lines to the workers (`Shard`s), each owning
 * the sessions whose ids hash to it: sessions are mergeable (docs/spec.md#9-mergeable), so the
 * union of their sessions is the fold of the whole. A worker hands on what it does not own;
 * records that name no session come back here, in the order read, and wait for the end: their
 * correlation ids are then looked up in every worker, and each is tied to the session of the
 * earliest record carrying one (`tieOf`, as the `Ledger` ties them). Then each worker writes out its sessions' views or findings in order,
 * and they are merged into one sorted output.
 */
import os from 'node:os';
import { compareIdentity } from '../../core/atoms.js';
import { Ledger } from '../../core/ledger.js';
import { correlationHash, freeze, type SessionState, STATE_VERSION, thaw } from '../../core/state.js';
import { type IdCarriers, markTied, tieOf } from '../../core/ties.js';
import { parseLine } from '../../records/parse.js';
import type { Anomaly, FlowConfig } from '../../types.js';
import { progressLine } from '../progress.js';
import { ownerOf } from './owner.js';
import { localShard, type ShardClient, type Taken, workerShard } from './protocol.js';
import { LogReader } from './reader.js';
import type { Entry } from './runs.js';
import { findingEntry, type OutputRequest, type OutputSummary, type ShardOptions, type SourcedLine } from './shard.js';

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
  output(request: OutputRequest): Promise<{ readonly summary: OutputSummary; readonly entries: AsyncIterable<Entry> }>;
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
  const options = (index: number): ShardOptions => ({
    index,
    count: jobs,
    files,
    flow,
    budget: request.budget ?? sessionBudget(request.maxMemory, jobs),
  });
  const threads = request.threads ?? jobs > 1;
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
    return await fold(request, clients, stop);
  } catch (error) {
    await stop();
    throw error;
  }
}

async function fold(
  request: FoldRequest,
  clients: readonly ShardClient[],
  stop: () => Promise<unknown>,
): Promise<Folded> {
  const { files, jobs } = request;
  const reader = new LogReader(files, jobs, request.threads ?? jobs > 1, request.dealByTurns === true);
  // Records that name no session: kept here, in the order read, until the end.
  const coordinator = new Ledger({ flow: request.flow });
  const progress = request.progress ? progressLine() : undefined;
  const sessions = new Array<number>(jobs).fill(0);
  const queue: Promise<(Taken | undefined)[]>[] = [];
  const handed: Promise<unknown>[] = [];
  const watch = <T>(promise: Promise<T>): Promise<T> => {
    promise.catch(() => {}); // awaited later; a failure is reported there, once
    return promise;
  };
  const settle = (taken: (Taken | undefined)[]) => {
    const sessionless: SourcedLine[] = [];
    taken.forEach((answer, worker) => {
      if (answer === undefined) return;
      sessions[worker] = answer.sessions;
      answer.forward.forEach((items, to) => {
        if (items !== undefined && items.length > 0) handed.push(watch(clients[to].call({ t: 'handed', items })));
      });
      sessionless.push(...answer.sessionless);
    });
    // In the order read, as a fold in one thread would meet them.
    sessionless.sort((a, b) => a.line - b.line);
    for (const item of sessionless)
      coordinator.apply(parseLine(item.text, { file: files[item.file], line: item.line }));
  };
  try {
    for await (const chunk of reader.chunks()) {
      queue.push(
        watch(
          Promise.all(
            clients.map((client, worker) => {
              const lines = chunk.lines[worker];
              return lines.length === 0
                ? undefined
                : client.call({ t: 'take', bytes: chunk.bytes, file: chunk.file, lines });
            }),
          ),
        ),
      );
      while (queue.length > AHEAD * jobs) settle(await (queue.shift() as Promise<(Taken | undefined)[]>));
      progress?.update(
        reader.totals.records,
        sessions.reduce((a, b) => a + b, 0),
      );
    }
    while (queue.length > 0) settle(await (queue.shift() as Promise<(Taken | undefined)[]>));
    await Promise.all(handed);
  } finally {
    progress?.done();
  }
  const orphans = await tieSessionless(coordinator, clients, request);
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
      const sources: AsyncIterator<Entry>[] = clients.map((client) => entriesOf(client));
      if (outputRequest.kind === 'findings') {
        for (const anomaly of orphans) {
          if (anomaly.settled === true) continue;
          if (anomaly.severity === 'error') summary.errors++;
          else summary.warnings++;
        }
        const own = orphans.map((anomaly, seq) => findingEntry(anomaly, null, seq, files));
        sources.push(asyncOf(own.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))));
      }
      return { summary, entries: { [Symbol.asyncIterator]: () => mergeAsync(sources) } };
    },
    close: async () => {
      await stop();
    },
  };
}

/** Tie each waiting record to its session in whichever worker owns it; the rest belong to none. */
async function tieSessionless(
  coordinator: Ledger,
  clients: readonly ShardClient[],
  request: FoldRequest,
): Promise<Anomaly[]> {
  const { unrouted, waiting } = coordinator.export();
  const items = waiting.map((item) => ({ ...item, ids: [...new Set(item.correlation.map(correlationHash))] }));
  const needed = [...new Set(items.flatMap((item) => item.ids))];
  const remaining: typeof items = [];
  if (needed.length > 0) {
    const answers = await Promise.all(clients.map((client) => client.call({ t: 'carriers', ids: needed })));
    const known = new Map<number, IdCarriers>();
    needed.forEach((id, i) => {
      let best: IdCarriers | undefined;
      const sessions = new Set<string>();
      for (const answer of answers) {
        const found = answer[i];
        if (found === undefined) continue;
        for (const session of found.sessions) sessions.add(session);
        if (best === undefined || compareIdentity(found.at, found.key, best.at, best.key) < 0) best = found;
      }
      if (best !== undefined) known.set(id, { ...best, sessions: [...sessions] });
    });
    const ties: { target: string; record: SessionState }[][] = clients.map(() => []);
    for (const item of items) {
      const tie = tieOf(item.ids, (id) => known.get(id));
      if (tie === undefined) {
        remaining.push(item);
        continue;
      }
      const record = thaw(item.record);
      markTied(record, item.ids, tie);
      ties[ownerOf(tie.target, clients.length)].push({ target: tie.target, record: freeze(record) });
    }
    await Promise.all(
      ties.map((list, worker) => (list.length === 0 ? undefined : clients[worker].call({ t: 'tie', items: list }))),
    );
  } else remaining.push(...items);
  const none = new Ledger({ flow: request.flow });
  none.merge({
    version: STATE_VERSION,
    sessions: [],
    unrouted,
    waiting: remaining.map(({ record, correlation }) => ({ record, correlation })),
  });
  return none.anomalies();
}

/** A shard's output, batch by batch, the next batch asked for while this one is read. */
async function* entriesOf(client: ShardClient): AsyncGenerator<Entry> {
  let batch = client.call({ t: 'next' });
  for (;;) {
    const entries = await batch;
    if (entries.length === 0) return;
    batch = client.call({ t: 'next' });
    batch.catch(() => {});
    yield* entries;
  }
}

async function* asyncOf<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

/** Merge sorted sources by key (of equal keys, the earlier source's first). */
async function* mergeAsync(sources: readonly AsyncIterator<Entry>[]): AsyncGenerator<Entry> {
  const heads: (Entry | undefined)[] = await Promise.all(
    sources.map(async (source) => {
      const next = await source.next();
      return next.done ? undefined : next.value;
    }),
  );
  for (;;) {
    let smallest = -1;
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i];
      if (head !== undefined && (smallest < 0 || head.key < (heads[smallest] as Entry).key)) smallest = i;
    }
    if (smallest < 0) return;
    yield heads[smallest] as Entry;
    const next = await sources[smallest].next();
    heads[smallest] = next.done ? undefined : next.value;
  }
}
