/**
 * The records of a parallel fold that name no session, kept on the main thread in the order
 * read until every session is known: those carrying correlation ids packed (a few dozen bytes
 * each), the others in one state. At the end each is tied to the session the `Ledger` would tie
 * it to (`tieOf` over the carriers every worker reports); the rest belong to no session.
 */
import { compareIdentity } from '../../core/atoms.js';
import { Ledger } from '../../core/ledger.js';
import { PackTables, packState, unpackState } from '../../core/packed.js';
import {
  applyInPlace,
  correlationHash,
  freeze,
  initialSession,
  type MutableState,
  restoreState,
  type SessionState,
  STATE_VERSION,
  thaw,
} from '../../core/state.js';
import { type IdCarriers, markTied, tieOf } from '../../core/ties.js';
import type { ParsedRecord } from '../../records/parse.js';
import type { Anomaly, FlowConfig } from '../../types.js';
import { TempWriter } from './temp.js';

/** A record tied to a session: where it goes, and its one-record state. */
export interface TiedRecord {
  readonly target: string;
  readonly record: SessionState;
}

/** Asks every worker what it knows of the carriers of some ids: one answer per worker, aligned with them. */
export type CarrierQuery = (ids: readonly number[]) => Promise<readonly (readonly (IdCarriers | undefined)[])[]>;

const SEPARATOR = '\u0000';

export class Sessionless {
  /** Past this many bytes in memory, waiting records are written to a temporary file. */
  readonly #memory: number;
  /** How many waiting records are tied at once (what they, and their carriers, take in memory). */
  readonly #batch: number;
  readonly #tables = new PackTables();
  readonly #unrouted: MutableState = thaw(initialSession(''));
  /** Records that carry correlation ids: packed, with their ids (joined), in the order read. */
  #records: string[] = [];
  #correlations: string[] = [];
  #bytes = 0;
  #file: TempWriter | undefined;
  #count = 0;

  /** @param memory bytes of waiting records to keep in memory (8 MB at most; tests give less) */
  constructor(memory: number) {
    this.#memory = Math.min(memory, 8 * 2 ** 20);
    this.#batch = Math.max(1, Math.min(4096, Math.floor(this.#memory / 256)));
  }

  /** Keep a record that names no session (in the order read). */
  add(parsed: ParsedRecord): void {
    if (parsed.refused || parsed.correlation.length === 0) {
      applyInPlace(this.#unrouted, parsed);
      return;
    }
    const record = thaw(initialSession(''));
    applyInPlace(record, parsed);
    // Packed (`p`), or as JSON (`j`) when the bytes cannot hold it (a number no record gives).
    const bytes = packState(record, this.#tables);
    const packed = bytes === undefined ? `j${JSON.stringify(freeze(record))}` : `p${bytes}`;
    const correlation = parsed.correlation.join(SEPARATOR);
    this.#count++;
    if (this.#file !== undefined) {
      this.#file.string(packed, 'utf8');
      this.#file.string(correlation);
      return;
    }
    this.#records.push(packed);
    this.#correlations.push(correlation);
    this.#bytes += 2 * (packed.length + correlation.length) + 48;
    if (this.#bytes > this.#memory) {
      this.#file = new TempWriter();
      this.#records.forEach((text, i) => {
        this.#file?.string(text, 'utf8');
        this.#file?.string(this.#correlations[i] as string);
      });
      this.#records = [];
      this.#correlations = [];
    }
  }

  /** The waiting records in the order read, a batch at a time. */
  *#batches(): Generator<{ record: MutableState; correlation: readonly string[] }[]> {
    let batch: { record: MutableState; correlation: readonly string[] }[] = [];
    const reader = this.#file?.reader();
    for (let i = 0; i < this.#count; i++) {
      const packed = reader === undefined ? (this.#records[i] as string) : reader.string('utf8');
      const joined = reader === undefined ? (this.#correlations[i] as string) : reader.string();
      const record = packed.startsWith('j')
        ? thaw(restoreState(JSON.parse(packed.slice(1))))
        : unpackState('', packed.slice(1), this.#tables);
      batch.push({ record, correlation: joined.split(SEPARATOR) });
      if (batch.length === this.#batch) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }

  /**
   * Tie each record to the session of the earliest record carrying one of its ids (asking every
   * worker about the carriers of a batch's ids at a time); `send` takes the tied records. The
   * anomalies of the records that belong to no session.
   */
  async tie(
    query: CarrierQuery,
    send: (tied: readonly TiedRecord[]) => Promise<void>,
    flow: FlowConfig | undefined,
  ): Promise<Anomaly[]> {
    const waiting: { record: SessionState; correlation: readonly string[] }[] = [];
    for (const batch of this.#batches()) {
      const items = batch.map(({ record, correlation }) => ({
        record,
        correlation,
        ids: [...new Set(correlation.map(correlationHash))],
      }));
      const ids = [...new Set(items.flatMap((item) => item.ids))];
      const answers = await query(ids);
      const known = new Map<number, IdCarriers>();
      ids.forEach((id, i) => {
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
      const tied: TiedRecord[] = [];
      for (const item of items) {
        const tie = tieOf(item.ids, (id) => known.get(id));
        if (tie === undefined) waiting.push({ record: freeze(item.record), correlation: item.correlation });
        else {
          markTied(item.record, item.ids, tie);
          tied.push({ target: tie.target, record: freeze(item.record) });
        }
      }
      if (tied.length > 0) await send(tied);
    }
    this.#file?.close();
    // What is left belongs to no session: reported as the `Ledger` reports it.
    const none = new Ledger({ flow });
    none.merge({ version: STATE_VERSION, sessions: [], unrouted: freeze(this.#unrouted), waiting });
    return none.anomalies();
  }
}
