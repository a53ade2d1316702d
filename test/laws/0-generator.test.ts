/**
 * The histories the laws run on cover what the laws are about: several sessions sharing
 * correlation ids, ties in receivedAt, times written with offsets, copies, polls. If the
 * generator stopped producing one of these, the laws would pass without testing it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { historyArb } from '../support/histories.js';
import { correlate } from '../support/oracle.js';

describe('the laws’ histories', () => {
  const samples = fc.sample(historyArb, { numRuns: 300, seed: 7 });
  const share = (test: (records: (typeof samples)[number]['records']) => boolean) =>
    samples.filter((history) => test(history.records)).length / samples.length;

  it('often hold several sessions, polls and retried copies', () => {
    expect(
      share((records) => new Set(records.map((r) => (r.body as { interviewId?: string }).interviewId)).size > 1),
    ).toBeGreaterThan(0.3);
    expect(share((records) => records.some((r) => r.kind === 'poll'))).toBeGreaterThan(0.5);
    expect(
      share((records) => new Set(records.map((r) => JSON.stringify(r.body))).size < records.length),
    ).toBeGreaterThan(0.3);
  });

  it('sometimes tie a record naming no session ambiguously to two sessions', () => {
    expect(share((records) => records.some((record) => correlate(records)(record).ambiguous))).toBeGreaterThan(0.02);
  });

  it('hold ties in receivedAt and times written with offsets', () => {
    expect(
      share((records) => new Set(records.map((r) => Date.parse(r.receivedAt))).size < records.length),
    ).toBeGreaterThan(0.3);
    expect(share((records) => records.some((r) => /[+-]\d\d:\d\d$/.test(r.receivedAt)))).toBeGreaterThan(0.5);
  });

  it('run the laws in the time zone each project sets', () => {
    const zone = process.env.TZ;
    if (zone === 'Asia/Kathmandu') expect(new Date(0).getTimezoneOffset()).toBe(-330);
    else expect(zone === undefined || zone === 'UTC' || zone === '').toBe(true);
  });
});
