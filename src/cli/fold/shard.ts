/**
 * One worker's part of a parallel fold: the sessions it owns (`ownerOf`), folded from the lines
 * it is given, packed at rest; the lines it does not own handed on. Past its memory budget it
 * writes its sessions to partitions on disk (by a hash of the session id) and starts afresh;
 * at the end it folds the partitions one at a time. Synchronous and thread-free: `worker.ts`
 * runs it in a worker thread, and a fold with one job runs it in-process.
 */
import { packState } from '../../core/packed.js';
import { replay } from '../../core/replay.js';
import { SessionMap } from '../../core/sessions.js';
import {
  applyInPlace,
  carriedIds,
  freeze,
  initialSession,
  type MutableState,
  mergeInto,
  restoreState,
  type SessionState,
  thaw,
} from '../../core/state.js';
import type { IdCarriers } from '../../core/ties.js';
import { viewOf } from '../../core/view.js';
import { type ParsedRecord, parseLine } from '../../records/parse.js';
import type { Anomaly, FlowConfig, RecordSource } from '../../types.js';
import { flowBits } from '../../vendor/modules.js';
import { countAnomalies, findingLine } from '../findings.js';
import { painter } from '../style.js';
import { ownerOf, partitionOf } from './owner.js';
import { type Entry, SortedRuns } from './runs.js';
import { type TempReader, TempWriter } from './temp.js';

/** What a shard is told when it starts. */
export interface ShardOptions {
  readonly index: number;
  readonly count: number;
  /** The input files, in the order read (a record read from two places keeps the first). */
  readonly files: readonly string[];
  readonly flow?: FlowConfig;
  /** Bytes of sessions to hold in memory; past it they go to partitions on disk. */
  readonly budget: number;
}

/** A line of input and where it was read. */
export interface SourcedLine {
  readonly text: string;
  readonly file: number;
  readonly line: number;
}

/** What a shard passes on: lines of sessions others own, and lines of records naming none. */
export interface Handover {
  readonly forward: SourcedLine[][];
  readonly sessionless: SourcedLine[];
}

/** The output a fold wants of its shards. */
export interface OutputRequest {
  /** `views`: one entry per session, keyed by id; `findings`: one per anomaly, keyed by position. */
  readonly kind: 'views' | 'findings';
  /** Only these sessions (views only). */
  readonly sessions?: readonly string[];
  /** Findings as `validate` prints them for people (coloured or not), instead of JSON. */
  readonly lines?: { readonly colour: boolean };
}

/** What a shard's output holds, known before it is read. */
export interface OutputSummary {
  readonly sessions: number;
  /** With `findings`: errors and warnings that remain (settled conflicts are neither). */
  readonly errors: number;
  readonly warnings: number;
}

const OPEN_SESSIONS = 64;
/** How many partitions a shard's sessions are cut into when they do not fit. */
const PARTITIONS = 32;
/** A partition larger than its share is cut again, this many ways, at most this deep. */
const SPLIT = 8;
const MAX_DEPTH = 3;
/** Entry tags in a partition file. */
const PACKED = 1;
const STATE = 2;

/** The key of a finding: its file (in the order read), its line, and its place in its session's list. */
export function positionKey(file: number, line: number, seq: number): string {
  return `${hex(file + 1, 8)}${hex(line, 12)}${hex(seq, 8)}`;
}
const hex = (n: number, width: number) => Math.max(0, Math.floor(n)).toString(16).padStart(width, '0');

export class Shard {
  readonly #options: ShardOptions;
  readonly #files: readonly string[];
  readonly #flow: number;
  #sessions: SessionMap;
  readonly #carriers = new CarrierLog();
  #partitions: TempWriter[] | undefined;
  #carrierFile: TempWriter | undefined;
  /** Non-blank lines this shard parsed first (handed-over ones are counted where they were read). */
  records = 0;
  #output: Iterator<Entry> | undefined;
  /** Records tied to sessions held in memory, merged in when a session is read for output. */
  readonly #tied = new Map<string, MutableState[]>();

  constructor(options: ShardOptions) {
    this.#options = options;
    this.#files = options.files;
    this.#flow = flowBits(options.flow);
    this.#sessions = new SessionMap(OPEN_SESSIONS);
    // File numbers in the order read: a record read twice keeps its earlier place.
    for (const file of options.files) this.#sessions.tables.file(file);
  }

  /** Sessions held now (in memory, or already written to partitions). */
  get sessions(): number {
    return this.#sessions.size;
  }

  /** Parse and fold lines read in order; those this shard does not own are handed over. */
  take(lines: Iterable<SourcedLine>, handover: Handover): void {
    for (const item of lines) {
      this.records++;
      const parsed = parseLine(item.text, { file: this.#files[item.file], line: item.line });
      if (parsed.sessionId === undefined) handover.sessionless.push(item);
      else {
        const owner = ownerOf(parsed.sessionId, this.#options.count);
        if (owner === this.#options.index) this.#apply(parsed, false);
        else {
          handover.forward[owner] ??= [];
          handover.forward[owner].push(item);
        }
      }
    }
    this.#settle();
  }

  /** Fold lines another shard read but this one owns: read earlier than some already folded. */
  takeHandedOver(lines: Iterable<SourcedLine>): void {
    for (const item of lines) {
      this.#apply(parseLine(item.text, { file: this.#files[item.file], line: item.line }), true);
    }
    this.#settle();
  }

  #apply(parsed: ParsedRecord, late: boolean): void {
    const id = parsed.sessionId as string;
    const ids = carriedIds(parsed);
    if (!late) {
      if (this.#sessions.apply(id, parsed, ids)) {
        for (const carried of ids) this.#carriers.add(carried, id, parsed.at as number, parsed.key);
      }
      return;
    }
    // Handed over, so read before some records folded already: the very same record keeps the
    // place read first, as in a fold in one thread.
    const one = thaw(initialSession(id));
    applyInPlace(one, parsed, undefined, ids);
    mergeInto(this.#sessions.open(id), one, this.#readFirst);
    for (const carried of ids) this.#carriers.add(carried, id, parsed.at as number, parsed.key);
  }

  /** Whether one source was read before another (inputs in order, then lines). */
  readonly #readFirst = (a: RecordSource | undefined, b: RecordSource | undefined): boolean => {
    const fileA = a?.file === undefined ? Number.POSITIVE_INFINITY : this.#sessions.tables.file(a.file);
    const fileB = b?.file === undefined ? Number.POSITIVE_INFINITY : this.#sessions.tables.file(b.file);
    return fileA < fileB || (fileA === fileB && (a?.line ?? 0) < (b?.line ?? 0));
  };

  /** Pack what was used longest ago; past the budget, write everything to partitions. */
  #settle(): void {
    this.#sessions.packOldest();
    if (this.#sessions.estimatedBytes() + this.#carriers.bytes > this.#options.budget) this.#spill();
  }

  #spill(): void {
    if (this.#partitions === undefined) {
      this.#partitions = Array.from({ length: PARTITIONS }, () => new TempWriter());
      this.#carrierFile = new TempWriter();
    }
    writeSessions(this.#sessions.entries(), this.#partitions, 0);
    this.#carriers.writeTo(this.#carrierFile as TempWriter);
    this.#sessions = new SessionMap(OPEN_SESSIONS, this.#sessions.tables);
  }

  /**
   * For each (hashed) correlation id asked, what this shard knows of its carriers: every session
   * carrying it and the earliest carrying record.
   */
  carriers(ids: readonly number[]): (IdCarriers | undefined)[] {
    const wanted = new Map<number, Gathered>(ids.map((id) => [id, { at: 0, key: 0, earliest: '', sessions: [] }]));
    this.#carriers.gather(wanted);
    if (this.#carrierFile !== undefined) gatherFrom(this.#carrierFile.reader(), wanted);
    return ids.map((id) => {
      const found = wanted.get(id) as Gathered;
      return found.sessions.length === 0 ? undefined : found;
    });
  }

  /** Records naming no session, tied to sessions this shard owns (one-record states). */
  tie(items: readonly { readonly target: string; readonly record: SessionState }[]): void {
    for (const { target, record } of items) {
      const state = thaw(restoreState(record));
      if (this.#partitions === undefined) {
        const list = this.#tied.get(target);
        if (list === undefined) this.#tied.set(target, [state]);
        else list.push(state);
      } else {
        const packed = packState(state, this.#sessions.tables);
        writeEntry(this.#partitions[partitionOf(target, PARTITIONS, 0)], target, packed ?? state);
      }
    }
  }

  /** A session to write out: its records and those tied to it. */
  #read(map: SessionMap, id: string): MutableState {
    const state = map.read(id) as MutableState;
    for (const record of this.#tied.get(id) ?? []) mergeInto(state, record);
    return state;
  }

  /** Get the output ready; what it holds. The entries follow from `next`. */
  prepare(request: OutputRequest): OutputSummary {
    const runs = new SortedRuns(Math.max(1 << 20, this.#options.budget / 4));
    const wanted = request.sessions === undefined ? undefined : new Set(request.sessions);
    let sessions = 0;
    let errors = 0;
    let warnings = 0;
    const emit = (map: SessionMap) => {
      for (const id of map.ids()) {
        sessions++;
        if (request.kind === 'views' && wanted !== undefined && !wanted.has(id)) continue;
        const view = viewOf(id, replay(this.#read(map, id), this.#flow));
        if (request.kind === 'views') {
          runs.add({ key: id, text: JSON.stringify(view), errors: countAnomalies(view.anomalies).errors });
          continue;
        }
        const counted = countAnomalies(view.anomalies);
        errors += counted.errors;
        warnings += counted.warnings;
        view.anomalies.forEach((anomaly, seq) => {
          runs.add(findingEntry(anomaly, id, seq, this.#files, request.lines));
        });
      }
    };
    if (this.#partitions === undefined && request.kind === 'views') {
      // Sessions in memory come out in order as they are read: nothing to sort or keep.
      this.#output = this.#lazyViews(wanted);
      return { sessions: this.#sessions.size, errors: 0, warnings: 0 };
    }
    if (this.#partitions === undefined) emit(this.#sessions);
    else {
      this.#spill();
      const partitions = this.#partitions;
      this.#partitions = undefined;
      for (const partition of partitions) {
        foldPartition(partition, 0, this.#options.budget, this.#sessions, this.#readFirst, emit);
      }
    }
    this.#output = runs.sorted();
    return { sessions, errors, warnings };
  }

  *#lazyViews(wanted: ReadonlySet<string> | undefined): Generator<Entry> {
    for (const id of this.#sessions.ids()) {
      if (wanted !== undefined && !wanted.has(id)) continue;
      const view = viewOf(id, replay(this.#read(this.#sessions, id), this.#flow));
      yield { key: id, text: JSON.stringify(view), errors: countAnomalies(view.anomalies).errors };
    }
  }

  /** The next entries of the output, about `bytes` of text at most; empty at the end. */
  next(bytes = 1 << 20): Entry[] {
    const out: Entry[] = [];
    let size = 0;
    while (size < bytes && this.#output !== undefined) {
      const next = this.#output.next();
      if (next.done) {
        this.#output = undefined;
        break;
      }
      out.push(next.value);
      size += next.value.text.length + next.value.key.length;
    }
    return out;
  }
}

/**
 * The entry of one anomaly of a session (`null`: of no session), for `validate`: sorted by where
 * its record was read, as JSON, or as the line `validate` prints.
 */
export function findingEntry(
  anomaly: Anomaly,
  session: string | null,
  seq: number,
  files: readonly string[],
  lines?: OutputRequest['lines'],
): Entry {
  const file = files.indexOf(anomaly.source?.file ?? '');
  const remains = anomaly.settled !== true && anomaly.severity === 'error';
  return {
    key: positionKey(file, anomaly.source?.line ?? 0, seq),
    text:
      lines === undefined
        ? JSON.stringify({ ...anomaly, session })
        : findingLine(anomaly, session, painter(lines.colour)),
    errors: remains ? 1 : 0,
  };
}

/** Write sessions (packed, or as states when too large to pack) to partitions by their id. */
function writeSessions(
  sessions: Iterable<[string, string | MutableState]>,
  partitions: readonly TempWriter[],
  depth: number,
): void {
  for (const [id, session] of sessions) writeEntry(partitions[partitionOf(id, partitions.length, depth)], id, session);
}

function writeEntry(out: TempWriter, id: string, session: string | MutableState): void {
  if (typeof session === 'string') {
    out.uint32(PACKED);
    out.string(id);
    out.string(session, 'latin1');
  } else {
    out.uint32(STATE);
    out.string(id);
    out.string(JSON.stringify(freeze(session)));
  }
}

/** Read a partition's entries back. */
function* readEntries(reader: TempReader): Generator<[string, string | MutableState]> {
  while (!reader.done) {
    const tag = reader.uint32();
    const id = reader.string();
    if (tag === PACKED) yield [id, reader.string('latin1')];
    else yield [id, thaw(restoreState(JSON.parse(reader.string())))];
  }
}

/**
 * Fold one partition in memory and hand its sessions to `emit`; a partition too large for the
 * budget is cut again by another hash first.
 */
function foldPartition(
  partition: TempWriter,
  depth: number,
  budget: number,
  like: SessionMap,
  readFirst: (a: RecordSource | undefined, b: RecordSource | undefined) => boolean,
  emit: (map: SessionMap) => void,
): void {
  const reader = partition.reader();
  if (reader.size > budget && depth < MAX_DEPTH) {
    const parts = Array.from({ length: SPLIT }, () => new TempWriter());
    writeSessions(readEntries(reader), parts, depth + 1);
    partition.close();
    for (const part of parts) foldPartition(part, depth + 1, budget, like, readFirst, emit);
    return;
  }
  const map = new SessionMap(OPEN_SESSIONS, like.tables);
  for (const [id, session] of readEntries(reader)) {
    map.merge(id, session, readFirst);
    map.packOldest();
  }
  partition.close();
  emit(map);
}

interface Gathered {
  earliest: string;
  at: number;
  key: number;
  sessions: string[];
}

/** Note a carrier in what is gathered for an id. */
function gatherOne(found: Gathered, session: string, at: number, key: number): void {
  if (found.sessions.length === 0 || at < found.at || (at === found.at && key < found.key)) {
    found.earliest = session;
    found.at = at;
    found.key = key;
  }
  if (!found.sessions.includes(session)) found.sessions.push(session);
}

/**
 * The records carrying correlation ids, as they were folded: (id, session, receivedAt, key),
 * in flat arrays (no object per record). Asked at the end which sessions carry which ids.
 */
class CarrierLog {
  #ids: number[] = [];
  #ats: number[] = [];
  #keys: number[] = [];
  #sessions: string[] = [];

  get bytes(): number {
    return this.#ids.length * 40;
  }

  add(id: number, session: string, at: number, key: number): void {
    this.#ids.push(id);
    this.#ats.push(at);
    this.#keys.push(key);
    this.#sessions.push(session);
  }

  gather(wanted: ReadonlyMap<number, Gathered>): void {
    for (let i = 0; i < this.#ids.length; i++) {
      const found = wanted.get(this.#ids[i]);
      if (found !== undefined) gatherOne(found, this.#sessions[i], this.#ats[i], this.#keys[i]);
    }
  }

  writeTo(out: TempWriter): void {
    for (let i = 0; i < this.#ids.length; i++) {
      out.float64(this.#ids[i]);
      out.float64(this.#ats[i]);
      out.float64(this.#keys[i]);
      out.string(this.#sessions[i]);
    }
    this.#ids = [];
    this.#ats = [];
    this.#keys = [];
    this.#sessions = [];
  }
}

function gatherFrom(reader: TempReader, wanted: ReadonlyMap<number, Gathered>): void {
  while (!reader.done) {
    const id = reader.float64();
    const at = reader.float64();
    const key = reader.float64();
    const session = reader.string();
    const found = wanted.get(id);
    if (found !== undefined) gatherOne(found, session, at, key);
  }
}
