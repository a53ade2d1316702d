/**
 * Law 7: nothing makes the core throw: an unknown status or kind, a malformed body, a missing
 * field, any JSON value (nesting a hundred thousand levels deep, strings of megabytes, keys like
 * `__proto__`), and any value a host passes (getters that throw, cycles, BigInt, Proxy, symbols).
 * It is kept and reported as an anomaly whose message is true and bounded; nothing else is lost.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { type Anomaly, Ledger, WEBHOOK_KINDS } from '../../src/index.js';
import { fold } from '../support/fold.js';
import { historyArb } from '../support/histories.js';
import { hook, status, t } from '../support/records.js';

const kindArb = fc.oneof(fc.constantFrom(...WEBHOOK_KINDS, 'poll'), fc.string());
const bodyArb = fc.oneof(
  fc.jsonValue(),
  fc.dictionary(
    fc.constantFrom(
      'interviewId',
      'InterviewId',
      'onboardingStatus',
      'ref',
      'requestId',
      'identityId',
      'success',
      'overallStatus',
      'ScrapingStatus',
      'workHistory',
      '__proto__',
      'constructor',
    ),
    fc.jsonValue(),
  ),
);
const timeArb = fc.oneof(
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom('12', '2026-02-30T10:00:00Z', '2026-11-25T10:00:00', '2026-11-25 10:00:00Z', '2026-11-25T24:00:00Z'),
  fc.string(),
);
const recordArb = fc.oneof(
  fc.anything({ withBigInt: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true }),
  fc.record(
    { kind: kindArb, receivedAt: timeArb, body: bodyArb, interviewId: fc.string(), requestedAt: timeArb },
    { requiredKeys: [] },
  ),
);

/** The longest message the core writes (a value it quotes is cut to a readable length). */
const MESSAGE_LIMIT = 400;

function expectBounded(anomalies: readonly Anomaly[]): void {
  for (const anomaly of anomalies) {
    expect(anomaly.message.length).toBeLessThanOrEqual(MESSAGE_LIMIT);
    for (const text of [anomaly.kind, anomaly.field, anomaly.expected, anomaly.got]) {
      expect((text ?? '').length).toBeLessThanOrEqual(200);
    }
  }
}

/** Every anomaly of a ledger, sessions and no session. */
const everything = (ledger: Ledger) => [
  ...ledger.anomalies(),
  ...ledger.snapshot().sessions.flatMap((view) => view.anomalies),
];

describe('law 7: forward compatibility', () => {
  test.prop([fc.array(recordArb, { maxLength: 30 })])('no value whatever makes the core throw', (records) => {
    const ledger = new Ledger();
    for (const record of records) expect(() => ledger.addRaw(record)).not.toThrow();
    expect(() => ledger.snapshot()).not.toThrow();
  });

  test.prop([fc.array(fc.string({ unit: 'binary' }), { maxLength: 20 })])(
    'no line whatever makes the core throw',
    (lines) => {
      const ledger = new Ledger();
      for (const line of lines) expect(() => ledger.addLine(line)).not.toThrow();
      expect(() => ledger.snapshot()).not.toThrow();
    },
  );

  test.prop([historyArb, fc.array(recordArb, { minLength: 1, maxLength: 10 })])(
    'every record is accounted for: applied to a session, waiting for one, or reported at the top level',
    (history, junk) => {
      const ledger = new Ledger();
      for (const record of [...history.records, ...junk]) {
        const routed = ledger.addRaw(record);
        if (routed.to === 'none') {
          expect(routed.anomalies.length).toBeGreaterThan(0);
          for (const anomaly of routed.anomalies) expect(ledger.anomalies()).toContainEqual(anomaly);
        } else if (routed.to === 'session') {
          expect(ledger.state(routed.interviewId)?.atoms.length).toBeGreaterThan(0);
        }
      }
      expectBounded(everything(ledger));
    },
  );

  test.prop([historyArb])('junk mixed into a history changes no session it does not name', (history) => {
    const junk = [{ kind: 'nope', receivedAt: 'never', body: 3 }, 'text', null, { kind: 'poll' }];
    const clean = fold(history.records);
    const noisy = new Ledger();
    for (const record of [...junk, ...history.records]) noisy.addRaw(record);
    expect(noisy.snapshot().sessions).toEqual(clean.snapshot().sessions);
    expect(noisy.anomalies().length).toBe(clean.anomalies().length + junk.length);
  });
});

describe('law 7: hostile values, one by one', () => {
  const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

  it('a body nested 100 000 levels deep is kept for its session, reported, and leaves the others intact', () => {
    const ledger = new Ledger();
    ledger.addRaw(status(1, 'ID_VALIDATION_FINISHED', 'ok'));
    const line = `{"kind":"onboarding-status","receivedAt":"${t(2)}","body":{"interviewId":"deep","onboardingStatus":"ONBOARDING_FINISHED","x":${deep(100_000)}}}`;
    expect(ledger.addLine(line, { line: 2 })).toEqual({ to: 'session', interviewId: 'deep' });
    const value = JSON.parse(line);
    expect(ledger.addRaw(value)).toEqual({ to: 'session', interviewId: 'deep' });
    const wrong = `{"kind":"video-selfie","receivedAt":"${t(3)}","body":${deep(100_000)}}`;
    expect(ledger.addLine(wrong).to).toBe('none');
    expect(ledger.view('deep')?.status).toBe('ONBOARDING_FINISHED');
    expect(ledger.view('deep')?.records).toBe(1);
    expect(ledger.view('ok')?.status).toBe('ID_VALIDATION_FINISHED');
    expect(ledger.anomalies().map((a) => a.field)).toEqual(['body']);
  });

  it('strings of megabytes in the kind, the status and the session id give bounded messages', () => {
    const huge = 'x'.repeat(2_000_000);
    const ledger = fold([
      hook(huge, 1, { interviewId: 'a1' }),
      status(2, huge),
      status(3, 'ID_VALIDATION_FINISHED', huge),
      hook('face-authentication', 4, { identityId: huge, success: true }),
    ]);
    const anomalies = everything(ledger);
    expect(anomalies.map((a) => a.code).sort()).toEqual(['uncorrelated', 'unknown-kind', 'unknown-status']);
    expectBounded(anomalies);
    expect(ledger.view(huge)?.status).toBe('ID_VALIDATION_FINISHED');
  });

  it('keys like __proto__ are data, never a prototype', () => {
    const line = `{"kind":"watchlist","receivedAt":"${t(1)}","body":{"__proto__":{"ref":"x"},"interviewId":"a1"}}`;
    const ledger = new Ledger();
    ledger.addLine(line);
    expect(ledger.view('a1')?.fetchable).toEqual([]);
    expect(ledger.view('a1')?.anomalies.map((a) => a.field)).toEqual(['ref']);
    expect(({} as Record<string, unknown>).ref).toBeUndefined();
  });

  it('a host’s getters that throw, cycles, BigInt, Proxies and symbols are reported, never thrown', () => {
    const cyclic: Record<string, unknown> = { interviewId: 'a1', onboardingStatus: 'ONBOARDING_FINISHED' };
    cyclic.self = cyclic;
    const throwing = {
      kind: 'onboarding-status',
      receivedAt: t(1),
      get body(): unknown {
        throw new Error('no body for you');
      },
    };
    const revocable = Proxy.revocable({}, {});
    revocable.revoke();
    const values: unknown[] = [
      { kind: 'onboarding-status', receivedAt: t(1), body: cyclic },
      throwing,
      {
        kind: 'onboarding-status',
        receivedAt: t(1),
        body: { interviewId: 'a1', onboardingStatus: 'ONBOARDING_FINISHED', n: 10n },
      },
      revocable.proxy,
      new Proxy(
        {},
        {
          ownKeys: () => {
            throw new Error('trap');
          },
        },
      ),
      { kind: Symbol('kind'), receivedAt: t(1), body: {} },
      Symbol('record'),
      () => 'a function',
    ];
    const ledger = new Ledger();
    for (const value of values) expect(() => ledger.addRaw(value)).not.toThrow();
    const anomalies = ledger.anomalies();
    expect(anomalies).toHaveLength(values.length);
    for (const anomaly of anomalies) expect(anomaly.code).toBe('invalid-payload');
    const said = anomalies.map((a) => `${a.field}: ${a.message}`);
    for (const expected of [
      /^body\.self: .*a cycle/,
      /^body: .*no body for you/,
      /^body\.n: .*BigInt/,
      /revoked/,
      /trap/,
    ]) {
      expect(
        said.some((text) => expected.test(text)),
        String(expected),
      ).toBe(true);
    }
    expectBounded(anomalies);
  });

  it('a time in any other form than ISO 8601 with an offset is refused, naming the field', () => {
    for (const receivedAt of ['12', '2026-02-30T10:00:00Z', '2026-11-25T10:00:00', '2026-11-25T10:00:00+5', '']) {
      const ledger = fold([{ ...status(1, 'ONBOARDING_FINISHED'), receivedAt }]);
      const view = ledger.view('a1');
      expect(view?.status, receivedAt).toBe('UNKNOWN');
      expect(view?.anomalies.map((a) => [a.code, a.field])).toEqual([['invalid-payload', 'receivedAt']]);
    }
  });
});
