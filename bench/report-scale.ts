/** The section of docs/benchmarks.md for bench/store-scale.ts: reads, events and ingest at a million sessions. */

import { fmt, ms, num, verdict } from './report-format.js';

type Result = Record<string, unknown>;

/** One read measured: autocannon GETs rotating over paths, a few connections at a time. */
export interface Read {
  readonly name: string;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly non2xx: number;
  readonly bytesPerAnswer: number;
}

// Why a target is missed, from the profiles of the run this was written with.
const READS_NOTE = `**Why a read misses, and what would close it.** A list with \`changedSince\` walks the index of its
own order from the cursor and keeps the sessions changed since then, when it finds a page within 2 000
sessions (or 20 pages); otherwise it reads the sessions changed since then from the index on \`changed_at\` and
sorts them. Its cost is at most that walk, or in proportion to the sessions that match: a window that matches a
few per cent of the sessions, spread over the ids, costs the most. What would close it: the planner choosing by
how many match (statistics on \`changed_at\`), or a \`changedSince\` list ordered by the time of change.`;
const INGEST_NOTE = `**Why ingest misses, and what would close it.** Ingest into the big store spends its extra time in the
inserts (\`writeOne\` in a CPU profile: five times its share with the empty store): each record's id is a random
key in a unique index of ten million entries (about 1 GB) that SQLite's cache holds only in part, so each insert
reads pages through the page cache, and each commit writes those scattered pages to the WAL. A larger SQLite
cache (256 MB instead of 64 MB) changed nothing measurable. What would close it: a record identity kept with
locality (the session first, then the hash) or shorter (16 bytes instead of 64 hex characters), and the store's
writes in a worker thread, off the thread that serves requests.`;

/** Whether the section's targets hold: every read's p99, the first byte of /events, the ingest ratio. */
export function scaleTargets(r: Result): { reads: boolean; events: boolean; ingest: boolean; worstP99: number } {
  const reads = (r.reads ?? []) as Read[];
  const worstP99 = Math.max(...reads.map((read) => read.p99Ms));
  const events = (r.events ?? {}) as Result;
  const ingest = (r.ingest ?? {}) as Result;
  return {
    reads: worstP99 <= 50 && reads.every((read) => read.non2xx === 0),
    events: num(events.firstByteP99Ms) <= 100,
    ingest: num(ingest.ratio) >= 0.8,
    worstP99,
  };
}

/** The Markdown section. */
export function renderScale(r: Result, loadNote: string): string {
  const loaded = (r.loaded ?? {}) as Result;
  const reads = (r.reads ?? []) as Read[];
  const events = (r.events ?? {}) as Result;
  const ingest = (r.ingest ?? {}) as Result;
  const full = (ingest.full ?? {}) as Result;
  const empty = (ingest.empty ?? {}) as Result;
  const verified = (r.verified ?? {}) as Record<string, Result>;
  const met = scaleTargets(r);
  const check = (v: Result | undefined) =>
    v === undefined
      ? '(not checked)'
      : `${fmt(v.sessions)} sessions, ${fmt(v.records)} records, ${fmt(v.mismatches)} differing`;
  return `## 6. The service at a million sessions

A SQLite store of ${fmt(loaded.sessions)} sessions and ${fmt(loaded.records)} records (${fmt(num(loaded.bytes) / 2 ** 20)} MB), loaded
through the store's own batch path (\`Store.append\`, 20 000 records a call: ${fmt(num(loaded.records) / num(loaded.seconds))} records/s,
views kept as it goes) from the seeded generator (\`scripts/generate-log.ts --sessions ${fmt(loaded.sessions)} --seed 11\`), cached in
\`.bench/\`. Reads on the real \`serve\` over it, on loopback: autocannon, ${fmt(r.readConnections)} connections for ${fmt(r.readSeconds)} s per read.
${loadNote}

| read | p50 | p99 | max | answers/s | bytes/answer |
|---|---:|---:|---:|---:|---:|
${reads.map((read) => `| \`${read.name}\` | ${ms(read.p50Ms)} | ${ms(read.p99Ms)} | ${ms(read.maxMs)} | ${fmt(read.perSecond)} | ${fmt(read.bytesPerAnswer)} |`).join('\n')}

\`GET /events\` without a resume point, ${fmt(events.times)} times: first byte p50 ${ms(events.firstByteP50Ms)}, p99 ${ms(events.firstByteP99Ms)};
the whole first page (the 100 latest changed sessions) p50 ${ms(events.firstPageP50Ms)}, p99 ${ms(events.firstPageP99Ms)}.

Ingest, the load of section 3 (${fmt(ingest.connections)} connections, ${fmt(ingest.seconds)} s, medians; runs: ${(ingest.fullRuns as number[] | undefined)?.map(fmt).join(', ')}/s
with the store full, ${(ingest.emptyRuns as number[] | undefined)?.map(fmt).join(', ')}/s empty): ${fmt(full.perSecond)} webhooks/s (p99 ${ms(full.p99Ms)}) into the
store of a million sessions, ${fmt(empty.perSecond)}/s (p99 ${ms(empty.p99Ms)}) into an empty one: ${num(ingest.ratio).toFixed(2)}×.

Views against a replay of every stored record, after the runs: the full store ${check(verified.big)}; the empty one ${check(verified.empty)}.

Targets: every read p99 at most 50 ms (${verdict(met.reads)}; the worst ${ms(met.worstP99)}), \`/events\` first byte at most 100 ms
(${verdict(met.events)}), ingest with a million sessions within 20 % of an empty store (${verdict(met.ingest)}).
${met.reads ? '' : `\n${READS_NOTE}\n`}${met.ingest ? '' : `\n${INGEST_NOTE}\n`}`;
}
