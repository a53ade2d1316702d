/**
 * The store contract: what the webhook service relies on from any `Store` (src/store/types.ts),
 * written against the interface only. Each implementation runs it:
 *
 *   storeContract('sqlite', async () => ({ store, reopen, cleanup }));
 *
 * `open` gives a store on fresh, empty storage; `reopen` opens another instance on the same
 * storage (another connection or pool, as a restarted or second service would); `cleanup`
 * closes what is still open and removes the storage. Positions (`seq`) are above 0.
 *
 * `multiInstanceContract` adds what a store shared by several service instances must do.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { countAnomalies } from '../../src/core/summary.js';
import { Ledger, parseRecord } from '../../src/index.js';
import { canonicalJson } from '../../src/records/json.js';
import type { RawDeliveryRecord as DeliveryRecord } from '../../src/records/record.js';
import { recordText } from '../../src/store/record.js';
import type { RecordToStore, Store, StoredRecord, ViewQuery, ViewRow } from '../../src/store/types.js';
import { createViewKeeper } from '../../src/store/views.js';
import { historyArb } from '../support/histories.js';
import { status, t } from '../support/records.js';

/** Storage opened for one test. */
export interface OpenedStore {
  readonly store: Store;
  /** Another instance on the same storage; the test closes it. */
  reopen(): Promise<Store>;
  /** Close what is open and remove the storage. */
  cleanup(): Promise<void>;
}

/** Opens fresh, empty storage. */
export type OpenStore = () => Promise<OpenedStore>;

/** Stores connected to one storage; `cleanup` closes every one of them, then removes the storage. */
export async function openTracked(
  connect: () => Promise<Store> | Store,
  removeStorage: () => Promise<void> | void,
): Promise<OpenedStore> {
  const opened: Store[] = [];
  const reopen = async () => {
    const store = await connect();
    opened.push(store);
    return store;
  };
  const store = await reopen();
  return {
    store,
    reopen,
    cleanup: async () => {
      for (const each of opened) await each.close();
      await removeStorage();
    },
  };
}

/** What the service stores for a record: its text, and the core's reading of it. */
export function toStore(record: DeliveryRecord): Required<RecordToStore> & { readonly record: DeliveryRecord } {
  return { record, text: JSON.stringify(record), parsed: parseRecord(record) };
}

const at = t;

/** A status webhook of a session, distinct per `n` (received `n` seconds after BASE). */
export function statusRecord(
  interviewId: string,
  n: number,
  onboardingStatus = 'ID_VALIDATION_FINISHED',
): DeliveryRecord {
  return status(n, onboardingStatus, interviewId, { n });
}

/** Every record from the first position on, read in pages of `pageSize`. */
export async function readAll(store: Store, pageSize = 1000): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  let after = 0;
  // Bounded: each page advances past at least one record, and the store holds finitely many.
  for (let page = 0; page < 100_000; page++) {
    const batch = await store.recordsAfter(after, pageSize);
    if (batch.length === 0) return out;
    out.push(...batch);
    after = batch[batch.length - 1].seq;
  }
  throw new Error('recordsAfter did not reach the end');
}

async function allSessionIds(store: Store, pageSize: number): Promise<string[]> {
  const out: string[] = [];
  let after: string | undefined;
  for (let page = 0; page < 100_000; page++) {
    const batch = await store.sessionIds(after, pageSize);
    if (batch.length === 0) return out;
    expect(batch.length).toBeLessThanOrEqual(pageSize);
    out.push(...batch);
    after = batch[batch.length - 1];
  }
  throw new Error('sessionIds did not reach the end');
}

const keeper = createViewKeeper();

/**
 * Every session's stored view equals the view a replay of every stored record gives, and every
 * session a replay knows has one: what the service serves is what `replay` says.
 */
export async function expectViewsEqualReplay(store: Store): Promise<void> {
  const union = new Ledger();
  for (const stored of await readAll(store)) union.addRaw(stored.record);
  const ids = union.sessionIds();
  for (const id of ids) {
    const row = await store.view(id);
    expect(row, id).toBeDefined();
    expect(row?.version, id).toBe(keeper.version);
    const view = keeper.render(row as ViewRow);
    expect(view, id).toEqual(union.view(id));
    expect(row?.status, id).toBe(view?.status);
    expect(row?.decision, id).toBe(view?.decision);
    expect(JSON.parse(row?.anomalies ?? 'null'), id).toEqual(countAnomalies(view?.anomalies ?? []));
  }
  const listed: string[] = [];
  for (let after: string | undefined; ; ) {
    const page = await store.views({ order: 'id', limit: 100, ...(after === undefined ? {} : { after }) });
    listed.push(...page.map((row) => row.interviewId));
    if (page.length < 100) break;
    after = page.at(-1)?.interviewId;
  }
  expect(listed).toEqual(ids);
}

const seqsOf = (records: readonly StoredRecord[]) => records.map((r) => r.seq);
const increasing = (seqs: readonly number[]) => seqs.every((seq, i) => i === 0 || seqs[i - 1] < seq);

/** Tracks what a test opened, so it is closed even when the test fails. */
function harness(open: OpenStore) {
  let opened: OpenedStore | undefined;
  const extra: Store[] = [];
  afterEach(async () => {
    for (const store of extra.splice(0)) await store.close().catch(() => undefined);
    await opened?.cleanup();
    opened = undefined;
  });
  return {
    async open(): Promise<Store> {
      opened = await open();
      return opened.store;
    },
    async reopen(): Promise<Store> {
      if (!opened) throw new Error('open first');
      const store = await opened.reopen();
      extra.push(store);
      return store;
    },
  };
}

export function storeContract(name: string, open: OpenStore): void {
  describe(`store contract: ${name}`, () => {
    const h = harness(open);

    it('an append is committed when it resolves: another instance reads it at once, and it survives a restart', async () => {
      const store = await h.open();
      const odd: DeliveryRecord = {
        kind: 'proof-of-payment',
        receivedAt: at(3),
        // What the vendor may send: NUL and non-BMP characters, big and small numbers, nesting.
        body: { requestId: 'r-\u0000-é-😀', totalCfdi: 1e21, tiny: 5e-324, items: [{ a: null, b: [true] }] },
        headers: { 'x-webhook-secret': 'present' },
        id: 'relay-1',
      };
      const poll: DeliveryRecord = {
        kind: 'poll',
        interviewId: 'a1',
        requestedAt: at(2),
        receivedAt: at(2.3),
        body: { onboardingStatus: 'UNKNOWN' },
      };
      const records = [statusRecord('a1', 1), poll, odd];
      const outcomes = await store.append(records.map(toStore));
      expect(outcomes.map((o) => o.inserted)).toEqual([true, true, true]);
      expect(outcomes.every((o) => Number.isSafeInteger(o.seq) && o.seq > 0)).toBe(true);
      expect(new Set(outcomes.map((o) => o.seq)).size).toBe(3);

      // Positions within one call need not follow the call's order across sessions.
      const inStoreOrder = records
        .map((record, i) => ({
          record,
          text: JSON.stringify(record),
          seq: outcomes[i].seq,
          interviewId: i < 2 ? 'a1' : undefined,
        }))
        .sort((a, b) => a.seq - b.seq);
      const other = await h.reopen();
      const seen = await readAll(other);
      expect(seen).toEqual(inStoreOrder);

      await store.close();
      await other.close();
      const restarted = await h.reopen();
      expect(await readAll(restarted)).toEqual(inStoreOrder);
      expect((await restarted.sessionRecords('a1')).map((r) => r.record)).toEqual([records[0], poll]);
      expect(await restarted.sessionIds(undefined, 10)).toEqual(['a1']);
    });

    it('keeps a record as the text it was given: numbers, key order, whitespace and any depth of nesting', async () => {
      const store = await h.open();
      const depth = 100_000;
      const bodies = [
        '{"interviewId":"t1","onboardingStatus":"ID_VALIDATION_FINISHED","n":12345678901234567890,"big":1e400}',
        '{ "interviewId" : "t1",\r\n  "b": 1.50, "a": -0.0,\n "interviewId": "t1" }',
        `{"interviewId":"t1","deep":${'['.repeat(depth)}${']'.repeat(depth)}}`,
      ];
      const texts = bodies.map((body, i) => recordText({ kind: 'video-selfie', receivedAt: at(i) }, body));
      await store.append(texts.map((text) => ({ text })));
      const read = await h.reopen();
      expect((await read.sessionRecords('t1')).map((r) => r.text)).toEqual(texts);
      expect((await readAll(read)).map((r) => r.text)).toEqual(texts);
      // Storing the same text again keeps one copy.
      const [again] = await store.append([{ text: texts[0] }]);
      expect(again.inserted).toBe(false);
    });

    it('stores a record once per recordId: again later, twice in one call, or from two instances at once', async () => {
      const store = await h.open();
      const first = toStore(statusRecord('a1', 1));
      const [stored] = await store.append([first]);
      expect(stored.inserted).toBe(true);

      const [again] = await store.append([first]);
      expect(again).toEqual({ inserted: false, seq: stored.seq });

      const twice = toStore(statusRecord('a1', 2));
      const outcomes = await store.append([twice, twice]);
      expect(outcomes[0].inserted).toBe(true);
      expect(outcomes[1]).toEqual({ inserted: false, seq: outcomes[0].seq });

      // The vendor's retry reaching two instances at the same moment.
      const other = await h.reopen();
      const raced = toStore(statusRecord('a1', 3));
      const both = await Promise.all([store.append([raced]), other.append([raced]), store.append([raced])]);
      const flat = both.flat();
      expect(flat.filter((o) => o.inserted)).toHaveLength(1);
      expect(new Set(flat.map((o) => o.seq)).size).toBe(1);

      const all = await readAll(store);
      expect(all.map((r) => r.record)).toEqual([first.record, twice.record, raced.record]);
      expect(await store.sessionRecords('a1')).toEqual(all);
    });

    it('hundreds of concurrent appends all commit, with distinct positions, each call keeping its order', async () => {
      const store = await h.open();
      const calls = Array.from({ length: 300 }, (_, i) =>
        Array.from({ length: 1 + (i % 3) }, (_, j) => toStore(statusRecord(`c${i % 40}`, i * 10 + j))),
      );
      const results = await Promise.all(calls.map((call) => store.append(call)));

      expect(results.flat().every((o) => o.inserted)).toBe(true);
      const seqs = results.flat().map((o) => o.seq);
      expect(new Set(seqs).size).toBe(seqs.length);
      // Records of one session given in one call are stored in the order given.
      for (const outcome of results) expect(increasing(outcome.map((o) => o.seq))).toBe(true);

      const all = await readAll(store, 97);
      expect(all).toHaveLength(seqs.length);
      const bySeq = new Map(all.map((r) => [r.seq, r.record]));
      calls.forEach((call, i) => {
        call.forEach((item, j) => {
          expect(bySeq.get(results[i][j].seq)).toEqual(item.record);
        });
      });
      const c7 = await store.sessionRecords('c7');
      expect(c7.map((r) => r.record)).toEqual(all.filter((r) => r.interviewId === 'c7').map((r) => r.record));
      expect(c7.length).toBeGreaterThan(0);
    });

    for (const order of ['tie first', 'correlated record first'] as const) {
      it(`sessionRecords includes records tied through a correlation id, to the session that carried it first (${order})`, async () => {
        const store = await h.open();
        const workHistory: DeliveryRecord = {
          kind: 'work-history',
          receivedAt: at(10),
          body: { interviewId: 'mx1', requestId: 'req-9', workHistory: { jobs: 2 } },
        };
        const proof: DeliveryRecord = {
          kind: 'proof-of-payment',
          receivedAt: at(11),
          body: { requestId: 'req-9', rfcIssuer: 'AAA010101AAA', totalCfdi: '10.00' },
        };
        const enrolled: DeliveryRecord = {
          kind: 'identity-enrolled',
          receivedAt: at(12),
          body: { interviewId: 'mx1', identityId: 'who-1' },
        };
        const faceAuth: DeliveryRecord = {
          kind: 'face-authentication',
          receivedAt: at(13),
          body: { identityId: 'who-1', success: true },
        };
        const stranger: DeliveryRecord = {
          kind: 'proof-of-payment',
          receivedAt: at(14),
          body: { requestId: 'req-nobody', totalCfdi: '1.00' },
        };
        const other = statusRecord('other', 2);
        // A second session carrying the same requestId, received later: the id stays with the first
        // (and the records it ties are ambiguous, which the views say).
        const rival: DeliveryRecord = {
          kind: 'work-history',
          receivedAt: at(15),
          body: { interviewId: 'mx2', requestId: 'req-9', workHistory: { jobs: 0 } },
        };
        const lateProof: DeliveryRecord = {
          kind: 'proof-of-payment',
          receivedAt: at(16),
          body: { requestId: 'req-9', rfcIssuer: 'BBB010101BBB', totalCfdi: '20.00' },
        };
        const sequence =
          order === 'tie first'
            ? [statusRecord('mx1', 1), workHistory, proof, enrolled, faceAuth, stranger, other, rival, lateProof]
            : [faceAuth, proof, stranger, other, statusRecord('mx1', 1), enrolled, workHistory, rival, lateProof];
        for (const record of sequence) await store.append([toStore(record)]);

        const mine = await store.sessionRecords('mx1');
        expect(increasing(seqsOf(mine))).toBe(true);
        // Its records, and the other session's record carrying the same id (it decides the ties).
        expect(mine.map((r) => r.record)).toEqual(sequence.filter((r) => r !== stranger && r !== other));
        // Records tied to a session carry its id, wherever they are read.
        const isRival = (r: StoredRecord) => canonicalJson(r.record) === canonicalJson(rival);
        expect(mine.filter((r) => !isRival(r)).every((r) => r.interviewId === 'mx1')).toBe(true);
        expect(mine.find(isRival)?.interviewId).toBe('mx2');
        const all = await readAll(store);
        const sessions = new Map(all.map((r) => [canonicalJson(r.record), r.interviewId]));
        const sessionOf = (record: DeliveryRecord) => sessions.get(canonicalJson(record));
        expect(sessionOf(proof)).toBe('mx1');
        expect(sessionOf(lateProof)).toBe('mx1');
        expect(sessionOf(faceAuth)).toBe('mx1');
        expect(sessionOf(stranger)).toBeUndefined();
        const theirs = await store.sessionRecords('mx2');
        expect(theirs.filter((r) => r.interviewId === 'mx2').map((r) => r.record)).toEqual([rival]);

        // What a user gets from it: each session's own records fold to the view the whole log gives.
        const whole = new Ledger();
        for (const r of all) whole.addRaw(r.record);
        for (const id of ['mx1', 'mx2', 'other']) {
          const own = new Ledger();
          for (const r of await store.sessionRecords(id)) own.addRaw(r.record);
          expect(own.view(id), id).toEqual(whole.view(id));
        }
        expect(whole.view('mx1')?.fetchable).toEqual(
          expect.arrayContaining(['workHistory', 'proofOfPayment', 'faceAuthentication']),
        );
        expect(whole.view('mx2')?.fetchable).not.toContain('proofOfPayment');
        expect(whole.view('mx1')?.anomalies.filter((a) => a.code === 'ambiguous-correlation')).toHaveLength(2);
        expect((await store.sessionRecords('other')).map((r) => r.record)).toEqual([other]);
        expect(await store.sessionRecords('nobody')).toEqual([]);
        expect(await store.sessionIds(undefined, 10)).toEqual(['mx1', 'mx2', 'other']);
        await expectViewsEqualReplay(store);
      });
    }

    for (const arrives of ['after both ties', 'before both ties'] as const) {
      it(`a record carrying ids of two sessions goes to the session of the earliest-received carrier (${arrives})`, async () => {
        const store = await h.open();
        // Its first id is carried by s1, its second by s2, whose carrier was received first.
        const auth: DeliveryRecord = {
          kind: 'face-authentication',
          receivedAt: at(30),
          body: { identityId: 'p', customerId: 'q', success: true },
        };
        const ties: DeliveryRecord[] = [
          { kind: 'identity-enrolled', receivedAt: at(20), body: { interviewId: 's2', identityId: 'q' } },
          { kind: 'identity-enrolled', receivedAt: at(21), body: { interviewId: 's1', identityId: 'p' } },
        ];
        expect(toStore(auth).parsed.correlation).toEqual(['identity:p', 'identity:q']);
        const sequence = arrives === 'after both ties' ? [...ties, auth] : [auth, ...ties];
        for (const record of sequence) await store.append([toStore(record)]);

        // Whatever the order of arrival, the earliest-received carrier decides; both sessions carry
        // its ids, so it is ambiguous.
        const owner = 's2';
        const all = await readAll(store);
        const whole = new Ledger();
        for (const r of all) whole.addRaw(r.record);
        expect(whole.view(owner)?.fetchable).toContain('faceAuthentication');
        expect(whole.view(owner)?.anomalies.map((a) => a.code)).toContain('ambiguous-correlation');
        expect(whole.view('s1')?.fetchable).not.toContain('faceAuthentication');
        for (const id of ['s1', 's2']) {
          const own = await store.sessionRecords(id);
          const ledger = new Ledger();
          for (const r of own) ledger.addRaw(r.record);
          expect(ledger.view(id), id).toEqual(whole.view(id));
        }
        expect(all.find((r) => r.record.kind === 'face-authentication')?.interviewId).toBe(owner);
        await expectViewsEqualReplay(store);
      });
    }

    it('recordsAfter pages resume where they stopped, without loss or duplicates, while others append', async () => {
      const store = await h.open();
      const writers = [await h.reopen(), await h.reopen(), await h.reopen()];
      const written: DeliveryRecord[] = [];
      const writing = Promise.all(
        writers.map(async (writer, w) => {
          for (let round = 0; round < 15; round++) {
            const call = Array.from({ length: 1 + ((round + w) % 4) }, (_, j) =>
              statusRecord(`p${w}-${round % 5}`, w * 10_000 + round * 10 + j),
            );
            written.push(...call);
            // Several calls in flight at once, so instances' commits overlap.
            await Promise.all([writer.append(call.map(toStore)), writer.append(call.slice(0, 1).map(toStore))]);
          }
        }),
      );
      const read: StoredRecord[] = [];
      const changes: ViewRow[] = [];
      let after = 0;
      let through = 0;
      let done = false;
      void writing.then(() => {
        done = true;
      });
      // Page records and view changes while they write; once they have finished, page to the end.
      // An empty page while they write waits a moment (pacing only; nothing is timed).
      for (let page = 0; page < 100_000; page++) {
        const finished = done;
        const batch = await store.recordsAfter(after, 7);
        read.push(...batch);
        const feed = await store.viewChanges(through, 3);
        changes.push(...feed.views);
        expect(feed.through).toBeGreaterThanOrEqual(through);
        through = feed.through;
        if (batch.length > 0) after = batch[batch.length - 1].seq;
        else if (finished && feed.views.length === 0) break;
        else if (feed.views.length === 0) await new Promise((resolve) => setTimeout(resolve, 2));
      }
      await writing;
      // The change feed: positions only increase, and the last change seen of each session is its
      // view as it ended (a session that changed again is seen again, never the same change twice).
      expect(increasing(changes.map((view) => view.seq))).toBe(true);
      const lastSeen = new Map(changes.map((view) => [view.interviewId, view]));
      const sessions = [...new Set(written.map((record) => (record.body as { interviewId: string }).interviewId))];
      expect([...lastSeen.keys()].sort()).toEqual(sessions.sort());
      for (const id of sessions) expect(lastSeen.get(id), id).toEqual(await store.view(id));
      expect(increasing(seqsOf(read))).toBe(true);
      expect(read).toEqual(await readAll(store));
      expect(read.map((r) => canonicalJson(r.record)).sort()).toEqual(
        [...new Set(written.map((r) => canonicalJson(r)))].sort(),
      );

      // A reader resuming from any position it saw gets exactly the rest.
      const middle = read[Math.floor(read.length / 2)].seq;
      expect(await store.recordsAfter(middle, 1000)).toEqual(read.filter((r) => r.seq > middle));
      expect(await store.recordsAfter(read[read.length - 1].seq, 5)).toEqual([]);
    });

    it('finds views by index: each filter, both orders, pages, a prefix, a time, and changes after a position', async () => {
      const store = await h.open();
      const status = (id: string, n: number, s = 'ID_VALIDATION_FINISHED') => toStore(statusRecord(id, n, s));
      for (const [i, id] of ['s1', 's2', 's3', 's4', 's5', 'p-a', 'p-b', 'q'].entries())
        await store.append([status(id, i)]);
      const early = Date.now();
      // The writer's clock stamps each change: the next appends change at or after `early`.
      while (Date.now() === early) await new Promise((resolve) => setTimeout(resolve, 1));
      const since = Date.now();
      await store.append([status('s2', 20, 'MANUAL_REVIEW_APPROVED')]);
      await store.append([toStore({ kind: 'session-pending-review', receivedAt: t(21), body: { interviewId: 's4' } })]);
      // A copy of s5's delivery, received later: a duplicate.
      await store.append([toStore({ ...statusRecord('s5', 4), receivedAt: t(22) })]);
      const ids = async (query: Omit<ViewQuery, 'limit' | 'order'> & Partial<ViewQuery>) =>
        (await store.views({ order: 'id', limit: 100, ...query })).map((row) => row.interviewId);

      expect(await ids({})).toEqual(['p-a', 'p-b', 'q', 's1', 's2', 's3', 's4', 's5']);
      expect(await ids({ status: 'ID_VALIDATION_FINISHED' })).toEqual(['p-a', 'p-b', 'q', 's1', 's3', 's4', 's5']);
      expect(await ids({ status: 'MANUAL_REVIEW_APPROVED' })).toEqual(['s2']);
      expect(await ids({ decision: 'approved' })).toEqual(['s2']);
      expect(await ids({ decision: 'pending-review' })).toEqual(['s4']);
      expect(await ids({ anomalous: true })).toEqual(['s5']);
      expect(await ids({ anomalous: false, prefix: 's' })).toEqual(['s1', 's2', 's3', 's4']);
      expect(await ids({ prefix: 'p-' })).toEqual(['p-a', 'p-b']);
      expect(await ids({ changedSince: since })).toEqual(['s2', 's4', 's5']);
      expect(await ids({ limit: 3 })).toEqual(['p-a', 'p-b', 'q']);
      expect(await ids({ limit: 3, after: 'q' })).toEqual(['s1', 's2', 's3']);
      // Latest change first, paged by position.
      expect(await ids({ order: 'recent', limit: 3 })).toEqual(['s5', 's4', 's2']);
      const [, , third] = await store.views({ order: 'recent', limit: 3 });
      expect(await ids({ order: 'recent', limit: 2, after: third?.seq })).toEqual(['q', 'p-b']);
      expect(await ids({ order: 'recent', status: 'ID_VALIDATION_FINISHED', limit: 2 })).toEqual(['s5', 's4']);

      // A change feed: the latest changes first, then what changes after the position it reached.
      const latest = await store.viewChanges(undefined, 2);
      expect(latest.views.map((row) => row.interviewId)).toEqual(['s4', 's5']);
      expect(await store.viewChanges(latest.through, 10)).toEqual({ views: [], through: latest.through });
      await store.append([status('s1', 30, 'ONBOARDING_FINISHED')]);
      const next = await store.viewChanges(latest.through, 10);
      expect(next.views.map((row) => [row.interviewId, row.status])).toEqual([['s1', 'ONBOARDING_FINISHED']]);
      // Paged from the start, each session once, at its latest change.
      const all: string[] = [];
      for (let position = 0; ; ) {
        const page = await store.viewChanges(position, 3);
        all.push(...page.views.map((row) => row.interviewId));
        if (page.views.length === 0) break;
        position = page.through;
      }
      const byLatestChange = (await store.views({ order: 'recent', limit: 100 })).map((row) => row.interviewId);
      expect(all).toEqual(byLatestChange.reverse());
      await expectViewsEqualReplay(store);
    });

    it('lists by time the same whether every session, a few or none changed since then', async () => {
      const store = await h.open();
      // More sessions than a list walks in its own order before it turns to the time index.
      const ids = Array.from({ length: 2600 }, (_, i) => `v${String(i).padStart(4, '0')}`);
      // In calls of 1 000 (PostgreSQL takes at most 2 048 records a call).
      for (let i = 0; i < ids.length; i += 1000)
        await store.append(ids.slice(i, i + 1000).map((id, j) => toStore(statusRecord(id, (i + j) % 50))));
      const early = Date.now();
      while (Date.now() === early) await new Promise((resolve) => setTimeout(resolve, 1));
      const since = Date.now();
      // A few sessions, spread over the ids, change after `since`; one of them becomes rare.
      const changed = ids.filter((_, i) => i % 97 === 5);
      await store.append(changed.map((id, i) => toStore(statusRecord(id, 60 + i, 'ONBOARDING_FINISHED'))));
      await store.append([toStore(statusRecord('v0102', 99, 'MANUAL_REVIEW_APPROVED'))]);

      const every = await store.views({ order: 'id', limit: 10_000 });
      const newest = await store.views({ order: 'recent', limit: 10_000 });
      const pages = async (query: Omit<ViewQuery, 'order' | 'limit' | 'after'>, order: ViewQuery['order']) => {
        const seen: string[] = [];
        for (let after: string | number | undefined; ; ) {
          const page = await store.views({ ...query, order, limit: 51, after });
          seen.push(...page.map((row) => row.interviewId));
          if (page.length < 51) return seen;
          const last = page[page.length - 1];
          after = order === 'id' ? last.interviewId : last.seq;
        }
      };
      const expected = (rows: readonly ViewRow[], keep: (row: ViewRow) => boolean) =>
        rows.filter(keep).map((row) => row.interviewId);

      for (const order of ['id', 'recent'] as const) {
        const rows = order === 'id' ? every : newest;
        // Every session passes: pages walk the order's own index.
        expect(await pages({ changedSince: 0 }, order)).toEqual(expected(rows, () => true));
        // A few pass, spread wide: the time index answers.
        expect(await pages({ changedSince: since }, order)).toEqual(expected(rows, (row) => row.changedAt >= since));
        expect(await pages({ changedSince: since, status: 'MANUAL_REVIEW_APPROVED' }, order)).toEqual(['v0102']);
        expect(await pages({ changedSince: 0, status: 'MANUAL_REVIEW_APPROVED' }, order)).toEqual(['v0102']);
        expect(await pages({ changedSince: Date.now() + 60_000 }, order)).toEqual([]);
        // A prefix and a time together.
        expect(await pages({ changedSince: since, prefix: 'v00' }, order)).toEqual(
          expected(rows, (row) => row.changedAt >= since && row.interviewId.startsWith('v00')),
        );
      }
      expect(changed.length).toBeGreaterThan(20);
    });

    it('sessionIds pages through the sessions in sorted order', async () => {
      const store = await h.open();
      // Ids as a vendor body may carry them, control characters included.
      const ids = [
        ...Array.from({ length: 23 }, (_, i) => `s-${String((i * 7) % 23).padStart(2, '0')}`),
        'nul\u0000id',
        'nul\u0001id',
        'ñandú',
        'null',
        'NULL',
        'a"quote\\back,comma{brace}',
      ];
      await store.append(ids.map((id, i) => toStore(statusRecord(id, i))));
      await store.append(ids.slice(0, 5).map((id, i) => toStore(statusRecord(id, 100 + i))));
      await store.append([toStore({ kind: 'proof-of-payment', receivedAt: at(1), body: { requestId: 'r' } })]);

      const sorted = [...ids].sort();
      expect(await allSessionIds(store, 5)).toEqual(sorted);
      expect(await allSessionIds(store, 1)).toEqual(sorted);
      expect(await store.sessionIds(sorted[9], 3)).toEqual(sorted.slice(10, 13));
      expect(await store.sessionIds(sorted[sorted.length - 1], 3)).toEqual([]);
      expect(await store.sessionIds('s-', 2)).toEqual(sorted.filter((id) => id > 's-').slice(0, 2));
      expect((await store.sessionRecords('nul\u0000id')).map((r) => [r.interviewId, r.record])).toEqual([
        ['nul\u0000id', statusRecord('nul\u0000id', 23)],
      ]);
    });
  });
}

/**
 * Several instances of the store on the same storage (separate connections or pools, as several
 * service instances) receive the same sessions' deliveries concurrently, out of order and
 * duplicated. Afterwards each record is stored once, no error reached a caller, and each
 * session's records fold to the same view as the whole log.
 */
export function multiInstanceContract(name: string, open: OpenStore, instances = 4): void {
  describe(`store shared by ${instances} instances: ${name}`, () => {
    const h = harness(open);

    it('concurrent, out-of-order, duplicated appends: every record once, and per-session folds equal the union', async () => {
      const store = await h.open();
      const others = await Promise.all(Array.from({ length: instances - 1 }, () => h.reopen()));
      const stores = [store, ...others];

      // Realistic histories (late, retried, stale polls, correlated Mexican and face-auth records),
      // sessions renamed apart, then shuffled and dealt to instances with duplicates.
      // Some sessions of neighbouring histories share a requestId or an identity id, so which
      // session an id belongs to depends on which instance commits first.
      const histories = fc.sample(historyArb, { numRuns: 30, seed: 4242 });
      const rename = (i: number, id: string, suffix: string) => {
        const shared = (suffix === '-r' && i % 2 === 1) || (suffix === '-who' && i % 3 === 2);
        return `"h${shared ? i - 1 : i}-${id}${suffix}"`;
      };
      const records = histories.flatMap((history, i) =>
        history.records.map(
          (record) =>
            JSON.parse(
              JSON.stringify(record).replace(/"(s\d+)(-r|-who|-wl)?"/g, (_, id, suffix = '') => rename(i, id, suffix)),
            ) as DeliveryRecord,
        ),
      );
      const [shuffled] = fc.sample(fc.shuffledSubarray(records, { minLength: records.length }), {
        numRuns: 1,
        seed: 7,
      });
      const [dealt] = fc.sample(
        fc.array(fc.tuple(fc.nat(instances - 1), fc.nat(instances - 1), fc.boolean()), {
          minLength: shuffled.length,
          maxLength: shuffled.length,
        }),
        { numRuns: 1, seed: 11 },
      );
      const perInstance: RecordToStore[][] = stores.map(() => []);
      shuffled.forEach((record, i) => {
        const [to, copyTo, copy] = dealt[i];
        perInstance[to].push(toStore(record));
        if (copy) perInstance[copyTo].push(toStore(record));
      });

      // Each instance appends its share in small concurrent calls, like requests arriving.
      const outcomes = await Promise.all(
        stores.map(async (instance, k) => {
          const share = perInstance[k];
          const calls: Promise<unknown>[] = [];
          for (let i = 0; i < share.length; i += 3) calls.push(instance.append(share.slice(i, i + 3)));
          return Promise.all(calls);
        }),
      );
      expect(outcomes).toHaveLength(instances);

      const all = await readAll(store, 250);
      const unique = new Set(records.map((r) => canonicalJson(r)));
      expect(all).toHaveLength(unique.size);
      expect(new Set(all.map((r) => canonicalJson(r.record)))).toEqual(unique);
      expect(increasing(seqsOf(all))).toBe(true);

      const union = new Ledger();
      for (const r of all) union.addRaw(r.record);
      const sessions = await allSessionIds(others[0], 10);
      expect(sessions).toEqual(union.sessionIds());
      expect(sessions.length).toBeGreaterThan(30);
      for (const id of sessions) {
        const own = new Ledger();
        for (const r of await stores[sessions.indexOf(id) % instances].sessionRecords(id)) own.addRaw(r.record);
        expect(own.view(id), id).toEqual(union.view(id));
      }
      // The views kept by every instance's appends, merged and folded concurrently, are a replay's.
      await expectViewsEqualReplay(others[0]);
    });
  });
}
