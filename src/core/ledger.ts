/**
 * Many sessions at once: routes each record to its session, including records that name no
 * session but carry a correlation id (`requestId`, an identity id). Such a record belongs to the
 * session of the earliest-received record (by receivedAt, then delivery key) that names a session
 * and carries the same id; when several sessions carry the id it still joins that one and is
 * reported `ambiguous-correlation`. A record waiting for such a record, or naming nothing, is
 * reported at the top level. Every answer is a function of the set of records added, whatever
 * their order, and two ledgers merge into the ledger of the union of their records.
 */
import { finding } from '../records/anomaly.js';
import { cut } from '../records/json.js';
import { type ParsedRecord, parseLine, parseRecord } from '../records/parse.js';
import type { DeliveryRecord } from '../records/record.js';
import type { Anomaly, FlowConfig, RecordSource, SessionView } from '../types.js';
import { flowBits } from '../vendor/modules.js';
import { AT, AUX, compareIdentity, FLAG, hasFlag, INFO, isRefused, KEY, type Note, STRIDE } from './atoms.js';
import { anomalyAbout, kindAt, replay } from './replay.js';
import { SessionMap } from './sessions.js';
import {
  applyInPlace,
  carriedIds,
  checkVersion,
  correlationHash,
  freeze,
  initialSession,
  type MutableState,
  mergeInto,
  noteOf,
  type SessionState,
  STATE_VERSION,
  thaw,
} from './state.js';
import { markTied, tieOf } from './ties.js';
import { viewOf } from './view.js';

/** Options of a ledger. */
export interface LedgerOptions {
  /** The flow configuration that narrows what `ONBOARDING_FINISHED` makes fetchable. */
  readonly flow?: FlowConfig;
  /**
   * Have `add` report the anomalies each record added to or removed from its sessions (it then
   * judges the sessions it touched before and after, a cost that grows with their size).
   * @defaultValue false
   */
  readonly changes?: boolean;
  /**
   * How many sessions stay open after a change that needed them open (a record tied to them
   * by a correlation id, a merge, a session too large to pack) before the least recently opened
   * is packed again into its compact form at rest. Records naming their session are added to its
   * packed form directly.
   * @defaultValue 64
   */
  readonly openSessions?: number;
}

/** The anomalies a record added to, or removed from, one session. */
export interface SessionChange {
  readonly interviewId: string;
  readonly added: readonly Anomaly[];
  readonly removed: readonly Anomaly[];
}

/** What a ledger did with one record. */
export type Routed =
  | {
      readonly to: 'session';
      /** The session it reached (named, or tied by a correlation id). */
      readonly interviewId: string;
      /** With `changes`: every session whose anomalies it changed. */
      readonly changes?: readonly SessionChange[];
    }
  | {
      /** It names no session, and no record yet ties its correlation ids to one. */
      readonly to: 'waiting';
      readonly correlation: readonly string[];
      readonly changes?: readonly SessionChange[];
    }
  | {
      /** It belongs to no session: reported at the top level. */
      readonly to: 'none';
      readonly anomalies: readonly Anomaly[];
      readonly changes?: readonly SessionChange[];
    };

/** Everything a replay knows: the session views and the anomalies that belong to no session. */
export interface LedgerSnapshot {
  readonly sessions: readonly SessionView[];
  readonly anomalies: readonly Anomaly[];
}

/** A ledger as plain JSON: what one worker hands another to merge. */
export interface LedgerState {
  readonly version: string;
  readonly sessions: readonly SessionState[];
  /** Records that name no session and carry no id (or were refused without one). */
  readonly unrouted: SessionState;
  /** Records that name no session and wait for one carrying their ids. */
  readonly waiting: readonly WaitingState[];
}

/** A record waiting for a tie: its one-record state and its correlation ids. */
export interface WaitingState {
  readonly record: SessionState;
  readonly correlation: readonly string[];
}

/** A correlation id carried by records of several sessions (named by their ids). */
interface Contest {
  readonly sessions: string[];
  earliest: string;
  earliestAt: number;
  earliestKey: number;
}

interface Waiting {
  readonly record: MutableState;
  readonly ids: readonly number[];
  readonly correlation: readonly string[];
}

const NO_CHANGES: readonly SessionChange[] = [];

/**
 * Folds delivery records of many sessions into session states. In memory; no I/O. Sessions are
 * kept packed (`packed.ts`), a few hundred bytes each; the most recently used ones stay open.
 */
export class Ledger {
  /** The sessions, packed at rest. */
  readonly #sessions: SessionMap;
  /** Correlation id (hashed) → the session carrying it, or the contest of several. */
  readonly #carriers = new Map<number, string | Contest>();
  /** Correlation id (hashed) → records naming no session that wait for it. */
  readonly #waiting = new Map<number, Waiting[]>();
  /** Sessions holding tied records with several ids, by each of those ids (rare). */
  readonly #multiHolders = new Map<number, Set<string>>();
  readonly #unrouted: MutableState = thaw(initialSession(''));
  readonly #flow: FlowConfig | undefined;
  readonly #flowBits: number;
  readonly #changes: boolean;
  /** While `add` runs with `changes`: each touched session's anomalies before it. */
  #before: Map<string, readonly Anomaly[]> | undefined;

  constructor(options: LedgerOptions = {}) {
    this.#flow = options.flow;
    this.#flowBits = flowBits(options.flow);
    this.#changes = options.changes ?? false;
    this.#sessions = new SessionMap(options.openSessions ?? 64);
  }

  /** Apply one typed record. */
  add(record: DeliveryRecord, source?: RecordSource): Routed {
    return this.apply(parseRecord(record, source));
  }

  /** Apply one record of unknown shape (any value: it is checked, never trusted). */
  addRaw(value: unknown, source?: RecordSource): Routed {
    return this.apply(parseRecord(value, source));
  }

  /** Read and apply one line of a JSON Lines log. */
  addLine(line: string, source?: RecordSource): Routed {
    return this.apply(parseLine(line, source));
  }

  /** Apply a parsed record. Applying the same record again changes nothing. */
  apply(parsed: ParsedRecord): Routed {
    this.#before = this.#changes ? new Map() : undefined;
    const routed = this.#route(parsed);
    const changes = this.#collectChanges();
    this.#sessions.packOldest();
    return changes === undefined ? routed : { ...routed, changes };
  }

  #route(parsed: ParsedRecord): Routed {
    if (parsed.sessionId !== undefined) {
      const id = parsed.sessionId;
      const ids = carriedIds(parsed);
      this.#touch(id);
      if (this.#sessions.apply(id, parsed, ids)) {
        for (const carried of ids) this.#carry(carried, id, parsed.at as number, parsed.key);
      }
      return { to: 'session', interviewId: id };
    }
    if (parsed.refused || parsed.correlation.length === 0) {
      applyInPlace(this.#unrouted, parsed);
      return {
        to: 'none',
        anomalies: unroutedAnomalies(thawOne(parsed), this.#flowBits, UNNAMED).flatMap((entry) => entry.anomalies),
      };
    }
    const loose = thaw(initialSession(''));
    applyInPlace(loose, parsed);
    const ids = [...new Set(parsed.correlation.map(correlationHash))];
    const placed = this.#place({ record: loose, ids, correlation: parsed.correlation });
    return placed === undefined
      ? { to: 'waiting', correlation: parsed.correlation }
      : { to: 'session', interviewId: placed };
  }

  /** Note a session's anomalies before a change (with `changes` only). */
  #touch(interviewId: string): void {
    if (this.#before === undefined || this.#before.has(interviewId)) return;
    this.#before.set(interviewId, this.#judge(this.#sessions.read(interviewId)));
  }

  #collectChanges(): readonly SessionChange[] | undefined {
    const before = this.#before;
    this.#before = undefined;
    if (before === undefined) return undefined;
    const changes: SessionChange[] = [];
    for (const [interviewId, earlier] of before) {
      const now = this.#judge(this.#sessions.read(interviewId));
      const id = (anomaly: Anomaly) => JSON.stringify(anomaly);
      const was = new Set(earlier.map(id));
      const is = new Set(now.map(id));
      const added = now.filter((anomaly) => !was.has(id(anomaly)));
      const removed = earlier.filter((anomaly) => !is.has(id(anomaly)));
      if (added.length > 0 || removed.length > 0) changes.push({ interviewId, added, removed });
    }
    return changes.length === 0 ? NO_CHANGES : changes;
  }

  #judge(session: MutableState | undefined): readonly Anomaly[] {
    return session === undefined || session.atoms.length === 0 ? [] : replay(session, this.#flowBits).anomalies;
  }

  /** A record naming a session carries the (hashed) id: tie waiting records, settle contests. */
  #carry(id: number, session: string, at: number, key: number): void {
    const entry = this.#carriers.get(id);
    if (entry === undefined) {
      this.#carriers.set(id, session);
      // Records with several ids already tied by another may now belong here, or be ambiguous.
      if (this.#multiHolders.has(id)) this.#replace(id);
      const waiting = this.#waiting.get(id);
      if (waiting !== undefined) {
        this.#waiting.delete(id);
        for (const item of waiting) {
          // A record waiting under several ids is placed once, by the first tie found.
          for (const other of item.ids) {
            if (other === id) continue;
            const list = this.#waiting.get(other)?.filter((entryItem) => entryItem !== item);
            if (list === undefined || list.length === 0) this.#waiting.delete(other);
            else this.#waiting.set(other, list);
          }
          this.#place(item);
        }
      }
      return;
    }
    if (entry === session) return;
    let contest: Contest;
    if (typeof entry !== 'string') {
      contest = entry;
      if (!contest.sessions.includes(session)) contest.sessions.push(session);
    } else {
      const [firstAt, firstKey] = earliestCarrier(this.#sessions.read(entry) as MutableState, id);
      contest = { sessions: [entry, session], earliest: entry, earliestAt: firstAt, earliestKey: firstKey };
      this.#carriers.set(id, contest);
    }
    if (compareIdentity(at, key, contest.earliestAt, contest.earliestKey) < 0) {
      contest.earliest = session;
      contest.earliestAt = at;
      contest.earliestKey = key;
    }
    this.#replace(id);
  }

  /** Place again every tied record that carries `id`: its session or its ambiguity may have changed. */
  #replace(id: number): void {
    const holders = new Set<string>(this.#multiHolders.get(id) ?? []);
    const entry = this.#carriers.get(id);
    if (entry !== undefined)
      for (const session of typeof entry === 'string' ? [entry] : entry.sessions) holders.add(session);
    for (const holder of holders) {
      for (const item of this.#takeFloating(holder, id)) this.#place(item);
    }
  }

  /** Remove from a session the tied records that carry `id`, as records to place again. */
  #takeFloating(interviewId: string, id: number): Waiting[] {
    const taken: Waiting[] = [];
    const found = this.#sessions.read(interviewId);
    if (found === undefined) return taken;
    const kept: number[] = [];
    const atoms = found.atoms;
    for (let i = 0; i < atoms.length; i += STRIDE) {
      const info = atoms[i + INFO];
      if (hasFlag(info, FLAG.floating)) {
        const note = hasFlag(info, FLAG.note) ? noteOf(found, atoms[i + AT], atoms[i + KEY]) : undefined;
        const ids = note?.ids ?? [atoms[i + AUX]];
        if (ids.includes(id)) {
          taken.push({ record: extractAtom(found, i), ids, correlation: [] });
          continue;
        }
      }
      kept.push(atoms[i], atoms[i + 1], atoms[i + 2], atoms[i + 3]);
    }
    if (taken.length === 0) return taken;
    this.#touch(interviewId);
    const session = this.#sessions.open(interviewId);
    session.atoms = kept;
    session.notes = session.notes.filter((note) => !taken.some((item) => sameIdentity(item.record, note)));
    return taken;
  }

  /**
   * Place a record naming no session: in the session of the earliest record carrying one of its
   * ids (noting the sessions when several carry them), or waiting. Returns where it went.
   */
  #place(item: Waiting): string | undefined {
    const single = item.ids.length === 1;
    const tie = tieOf(item.ids, (id) => {
      const entry = this.#carriers.get(id);
      if (entry === undefined) return undefined;
      if (typeof entry !== 'string') {
        return { earliest: entry.earliest, at: entry.earliestAt, key: entry.earliestKey, sessions: entry.sessions };
      }
      // One id carried by one session: no other carrier to compare with.
      if (single) return { earliest: entry, at: 0, key: 0, sessions: [entry] };
      const [at, key] = earliestCarrier(this.#sessions.read(entry) as MutableState, id);
      return { earliest: entry, at, key, sessions: [entry] };
    });
    if (tie === undefined) {
      // The very same record already waiting (read twice) is one record (the first read kept).
      const at = item.record.atoms[AT];
      const key = item.record.atoms[KEY];
      const same = (other: Waiting) =>
        other !== item && other.record.atoms[AT] === at && other.record.atoms[KEY] === key;
      if (this.#waiting.get(item.ids[0] as number)?.some(same)) return undefined;
      for (const id of item.ids) {
        const list = this.#waiting.get(id);
        if (list === undefined) this.#waiting.set(id, [item]);
        else if (!list.includes(item)) list.push(item);
      }
      return undefined;
    }
    this.#touch(tie.target);
    markTied(item.record, item.ids, tie);
    mergeInto(this.#sessions.open(tie.target), item.record);
    if (item.ids.length > 1) {
      for (const id of item.ids) {
        const holders = this.#multiHolders.get(id) ?? new Set();
        holders.add(tie.target);
        this.#multiHolders.set(id, holders);
      }
    }
    return tie.target;
  }

  /** A session's state (plain JSON, versioned), if any record reached it. */
  state(interviewId: string): SessionState | undefined {
    const session = this.#sessions.read(interviewId);
    return session && freeze(session);
  }

  /** A session's view, if any record reached it. */
  view(interviewId: string): SessionView | undefined {
    const session = this.#sessions.read(interviewId);
    return session && viewOf(interviewId, replay(session, this.#flowBits));
  }

  /** The sessions' ids, sorted. */
  sessionIds(): string[] {
    return this.#sessions.ids();
  }

  /** How many sessions the ledger holds. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Anomalies of records that belong to no session, including those still waiting for a tie. */
  anomalies(): Anomaly[] {
    const entries = unroutedAnomalies(this.#unrouted, this.#flowBits, UNNAMED);
    for (const item of this.#waitingRecords()) {
      const ids = item.correlation.length > 0 ? item.correlation.map((id) => cut(id)).join(', ') : 'correlation ids';
      entries.push(
        ...unroutedAnomalies(
          item.record,
          this.#flowBits,
          (kind) => `a ${kind} delivery names no session, and no record tied its ${ids} to one`,
        ),
      );
    }
    entries.sort((a, b) => compareIdentity(a.at, a.key, b.at, b.key));
    return entries.flatMap((entry) => entry.anomalies);
  }

  /** The records waiting for a tie, each once (one waiting under several ids is listed under each). */
  #waitingRecords(): Set<Waiting> {
    const waiting = new Set<Waiting>();
    for (const list of this.#waiting.values()) for (const item of list) waiting.add(item);
    return waiting;
  }

  /** Every session view (sorted by `interviewId`) and the anomalies that belong to no session. */
  snapshot(): LedgerSnapshot {
    return {
      sessions: this.sessionIds().map((id) => this.view(id) as SessionView),
      anomalies: this.anomalies(),
    };
  }

  /** The ledger as plain JSON, to merge into another (`merge`). */
  export(): LedgerState {
    const waiting = this.#waitingRecords();
    return {
      version: STATE_VERSION,
      sessions: this.sessionIds().map((id) => freeze(this.#sessions.read(id) as MutableState)),
      unrouted: freeze(this.#unrouted),
      waiting: [...waiting].map((item) => ({ record: freeze(item.record), correlation: item.correlation })),
    };
  }

  /**
   * Merge another ledger's records into this one: the result is the ledger of the union of both
   * sets of records (ties by correlation id are decided again over the union).
   */
  merge(other: Ledger | LedgerState): this {
    const state = other instanceof Ledger ? other.export() : other;
    if (state.version !== STATE_VERSION) checkVersion(state as unknown as SessionState);
    const tied: Waiting[] = [];
    for (const incoming of state.sessions) {
      checkVersion(incoming);
      const own = thaw(incoming);
      // Records tied by correlation in the other ledger are placed again here, over the union.
      const atoms = own.atoms;
      const kept: number[] = [];
      for (let i = 0; i < atoms.length; i += STRIDE) {
        if (hasFlag(atoms[i + INFO], FLAG.floating)) {
          const note = hasFlag(atoms[i + INFO], FLAG.note) ? noteOf(own, atoms[i + AT], atoms[i + KEY]) : undefined;
          tied.push({ record: extractAtom(own, i), ids: note?.ids ?? [atoms[i + AUX]], correlation: [] });
        } else kept.push(atoms[i], atoms[i + 1], atoms[i + 2], atoms[i + 3]);
      }
      own.atoms = kept;
      const id = incoming.interviewId;
      mergeInto(this.#sessions.open(id), own);
      for (let i = 0; i < kept.length; i += STRIDE) {
        if (!hasFlag(kept[i + INFO], FLAG.carrier)) continue;
        const note = hasFlag(kept[i + INFO], FLAG.note) ? noteOf(own, kept[i + AT], kept[i + KEY]) : undefined;
        for (const carried of note?.ids ?? [kept[i + AUX]]) this.#carry(carried, id, kept[i + AT], kept[i + KEY]);
      }
    }
    mergeInto(this.#unrouted, state.unrouted);
    for (const item of state.waiting) {
      const record = thaw(item.record);
      tied.push({ record, ids: [...new Set(item.correlation.map(correlationHash))], correlation: item.correlation });
    }
    for (const item of tied) this.#place(item);
    this.#sessions.packOldest();
    return this;
  }
}

const UNNAMED = (kind: string) => `a ${kind} delivery names no session (no interviewId) and no id that leads to one`;

/** The anomalies of records that belong to no session, one list per record (its own, then why). */
function unroutedAnomalies(
  state: MutableState,
  flow: number,
  uncorrelated: (kind: string) => string,
): { at: number; key: number; anomalies: Anomaly[] }[] {
  const { anomalies, owners } = replay(state, flow);
  const atoms = state.atoms;
  const entries: { at: number; key: number; anomalies: Anomaly[] }[] = [];
  let next = 0;
  for (let i = 0; i < atoms.length; i += STRIDE) {
    const own: Anomaly[] = [];
    while (next < anomalies.length && owners[next] === i) own.push(anomalies[next++]);
    const kind = kindAt(state, i);
    if (!isRefused(atoms[i + INFO]) && kind !== undefined) {
      own.push(anomalyAbout(state, i, finding('uncorrelated', uncorrelated(kind))));
    }
    entries.push({ at: atoms[i + AT], key: atoms[i + KEY], anomalies: own });
  }
  return entries;
}

/** A one-record state of a parsed record. */
function thawOne(parsed: ParsedRecord): MutableState {
  const state = thaw(initialSession(''));
  applyInPlace(state, parsed);
  return state;
}

/** The (at, key) of the earliest record of a session carrying an id (its atoms are sorted). */
function earliestCarrier(session: MutableState, id: number): [number, number] {
  const atoms = session.atoms;
  for (let i = 0; i < atoms.length; i += STRIDE) {
    const info = atoms[i + INFO];
    if (!hasFlag(info, FLAG.carrier)) continue;
    const note = hasFlag(info, FLAG.note) ? noteOf(session, atoms[i + AT], atoms[i + KEY]) : undefined;
    if ((note?.ids ?? [atoms[i + AUX]]).includes(id)) return [atoms[i + AT], atoms[i + KEY]];
  }
  return [Number.POSITIVE_INFINITY, 0];
}

/** One atom (with its note and strings) as a one-record state. */
function extractAtom(state: MutableState, index: number): MutableState {
  const at = state.atoms[index + AT];
  const key = state.atoms[index + KEY];
  const note = noteOf(state, at, key);
  return {
    interviewId: '',
    atoms: state.atoms.slice(index, index + STRIDE),
    strings: state.strings,
    notes: note === undefined ? [] : [note],
  };
}

const sameIdentity = (record: MutableState, note: Note) =>
  record.atoms[AT] === note.at && record.atoms[KEY] === note.key;
