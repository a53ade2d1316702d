/** `GET /events`: server-sent events of view changes, resumable with Last-Event-ID. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createWebhookHandler } from '../../src/service/handler.js';
import { createSqliteStore } from '../../src/store/sqlite.js';
import type { SessionView } from '../../src/types.js';

const dir = mkdtempSync(join(tmpdir(), 'events-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface ServerEvent {
  readonly id?: string;
  readonly event?: string;
  readonly data?: string;
}

/** Reads server-sent events from a response, one at a time. */
function eventsOf(response: Response) {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    async next(): Promise<ServerEvent> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: Record<string, string> = {};
          for (const line of block.split('\n')) {
            const colon = line.indexOf(':');
            if (colon > 0) event[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
          }
          return event;
        }
        const { done, value } = await reader.read();
        if (done) throw new Error('the event stream ended');
        buffer += decoder.decode(value, { stream: true });
      }
    },
    /** The next view event (skipping retry and id-only events), with its id. */
    async view(): Promise<{ id: number; view: SessionView }> {
      for (;;) {
        const event = await this.next();
        if (event.event === 'view') return { id: Number(event.id), view: JSON.parse(event.data as string) };
      }
    },
    close: () => reader.cancel(),
  };
}

describe('event stream', () => {
  it('streams each session view as it changes, and resumes after Last-Event-ID without repeating', async () => {
    const store = createSqliteStore(join(dir, 'events.db'));
    const handler = createWebhookHandler({ store, pollMillis: 50 });
    const local = { remoteAddress: '127.0.0.1' };
    const post = (kind: string, body: object) =>
      handler(new Request(`http://svc/webhooks/${kind}`, { method: 'POST', body: JSON.stringify(body) }), local);

    const first = eventsOf(await handler(new Request('http://svc/events'), local));
    expect(await first.next()).toEqual({ retry: '1000' });
    await post('onboarding-status', { interviewId: 'a1', onboardingStatus: 'ID_VALIDATION_FINISHED' });
    const a1 = await first.view();
    expect(a1.view).toMatchObject({ interviewId: 'a1', status: 'ID_VALIDATION_FINISHED' });
    await post('onboarding-status', { interviewId: 'b1', onboardingStatus: 'ID_VALIDATION_FINISHED' });
    await post('onboarding-status', { interviewId: 'a1', onboardingStatus: 'FACE_VALIDATION_FINISHED' });
    const seen = [await first.view(), await first.view()];
    const latest = new Map(seen.map((event) => [event.view.interviewId, event.view]));
    expect(latest.get('a1')?.status).toBe('FACE_VALIDATION_FINISHED');
    expect(latest.get('b1')?.status).toBe('ID_VALIDATION_FINISHED');
    const lastId = Math.max(...seen.map((event) => event.id));
    expect(seen.every((event) => event.id > a1.id)).toBe(true);
    await first.close();

    // While the client is away: a delivery of no session, then changes to b1 and a new session.
    await post('proof-of-payment', { requestId: 'nobody' });
    await post('onboarding-status', { interviewId: 'b1', onboardingStatus: 'ONBOARDING_FINISHED' });
    await post('session-started', { interviewId: 'c1' });

    const resumed = eventsOf(
      await handler(new Request('http://svc/events', { headers: { 'last-event-id': String(lastId) } }), local),
    );
    const missed = [await resumed.view(), await resumed.view()];
    expect(missed.map((event) => event.view.interviewId)).toEqual(['b1', 'c1']);
    expect(missed[0]?.view.status).toBe('ONBOARDING_FINISHED');
    expect(missed.every((event) => event.id > lastId)).toBe(true);
    await resumed.close();

    // Resuming at the end gives nothing old: the next event is the next change.
    const atEnd = eventsOf(
      await handler(new Request('http://svc/events', { headers: { 'last-event-id': String(missed[1]?.id) } }), local),
    );
    await post('onboarding-status', { interviewId: 'c1', onboardingStatus: 'ID_VALIDATION_FINISHED' });
    expect((await atEnd.view()).view).toMatchObject({ interviewId: 'c1', status: 'ID_VALIDATION_FINISHED' });
    handler.close();
    await expect(atEnd.view()).rejects.toThrow(/ended/);
    await store.close();
  });

  it('reads a change once for all its readers, however many streams are open', async () => {
    /** Store reads made while `streams` readers follow one delivery to the end of their streams. */
    const readsFor = async (streams: number) => {
      const inner = createSqliteStore(join(dir, `fanout-${streams}.db`));
      const reads = { viewChanges: 0, sessionRecords: 0, recordsAfter: 0 };
      const store = {
        ...inner,
        viewChanges: (after: number | undefined, limit: number) => {
          reads.viewChanges++;
          return inner.viewChanges(after, limit);
        },
        sessionRecords: (id: string) => {
          reads.sessionRecords++;
          return inner.sessionRecords(id);
        },
        recordsAfter: (seq: number, limit: number) => {
          reads.recordsAfter++;
          return inner.recordsAfter(seq, limit);
        },
      };
      // Streams poll rarely here, so every read counted is one a change caused.
      const handler = createWebhookHandler({ store, pollMillis: 60_000 });
      const local = { remoteAddress: '127.0.0.1' };
      const readers = await Promise.all(
        Array.from({ length: streams }, async () => {
          const reader = eventsOf(await handler(new Request('http://svc/events?after=0'), local));
          await reader.next();
          return reader;
        }),
      );
      // Every stream has read to the end before the delivery.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const before = { ...reads };
      const body = JSON.stringify({ interviewId: 'f1', onboardingStatus: 'ID_VALIDATION_FINISHED' });
      await handler(new Request('http://svc/webhooks/onboarding-status', { method: 'POST', body }), local);
      const views = await Promise.all(readers.map((reader) => reader.view()));
      expect(views.every((event) => event.view.status === 'ID_VALIDATION_FINISHED')).toBe(true);
      await (await handler(new Request('http://svc/metrics'), local)).text();
      handler.close();
      await store.close();
      return {
        viewChanges: reads.viewChanges - before.viewChanges,
        sessionRecords: reads.sessionRecords - before.sessionRecords,
        recordsAfter: reads.recordsAfter - before.recordsAfter,
      };
    };
    const one = await readsFor(1);
    const many = await readsFor(200);
    expect(many).toEqual(one);
    // A change is read from the views by position: no session's records are read again.
    expect(one).toEqual({ viewChanges: 1, sessionRecords: 0, recordsAfter: 0 });
  });

  it('without a resume point sends a first page of the latest changes, not every session, then what changes', async () => {
    const store = createSqliteStore(join(dir, 'first-page.db'));
    const handler = createWebhookHandler({ store, pollMillis: 50 });
    const local = { remoteAddress: '127.0.0.1' };
    const post = (id: string, status: string) =>
      handler(
        new Request('http://svc/webhooks/onboarding-status', {
          method: 'POST',
          body: JSON.stringify({ interviewId: id, onboardingStatus: status }),
        }),
        local,
      );
    const ids = Array.from({ length: 130 }, (_, i) => `v${String(i).padStart(3, '0')}`);
    for (const id of ids) await post(id, 'ID_VALIDATION_FINISHED');
    const stream = eventsOf(await handler(new Request('http://svc/events'), local));
    const first: { id: number; view: SessionView }[] = [];
    for (let i = 0; i < 100; i++) first.push(await stream.view());
    // The 100 latest changed sessions, oldest of them first, each with its position as its id.
    expect(first.map((event) => event.view.interviewId)).toEqual(ids.slice(30));
    expect(first.every((event, i) => i === 0 || event.id > (first[i - 1] as { id: number }).id)).toBe(true);
    await post('v000', 'ONBOARDING_FINISHED');
    const change = await stream.view();
    expect(change.view).toMatchObject({ interviewId: 'v000', status: 'ONBOARDING_FINISHED' });
    expect(change.id).toBeGreaterThan((first.at(-1) as { id: number }).id);
    await stream.close();
    handler.close();
    await store.close();
  });

  it('refuses a Last-Event-ID that is not an event id', async () => {
    const handler = createWebhookHandler({ store: createSqliteStore(join(dir, 'bad.db')) });
    const response = await handler(new Request('http://svc/events', { headers: { 'last-event-id': 'x' } }), {
      remoteAddress: '127.0.0.1',
    });
    expect(response.status).toBe(400);
  });
});
