/**
 * The record builders every test shares: times as seconds after one fixed moment, and one
 * builder per shape of record. They build raw records (any kind, any status), as a log holds
 * them; `Ledger.addRaw` and `parseRecord` read them.
 */
import type { RawDeliveryRecord } from '../../src/records/record.js';

/** The moment every test's clock starts at. */
export const BASE = Date.parse('2026-11-25T10:00:00.000Z');

/** An ISO time `s` seconds after `BASE`. */
export const t = (s: number): string => new Date(BASE + s * 1000).toISOString();

/** A record as a log holds it. */
export type Rec = RawDeliveryRecord;

/** An `onboarding-status` webhook received `s` seconds after `BASE`. */
export const status = (
  s: number,
  onboardingStatus: string,
  interviewId = 'a1',
  extra: Record<string, unknown> = {},
): Rec => ({
  kind: 'onboarding-status',
  receivedAt: t(s),
  body: { interviewId, onboardingStatus, ...extra },
});

/** A poll sent at `sentAt` and answered at `receivedAt` (seconds after `BASE`). */
export const poll = (sentAt: number, receivedAt: number, onboardingStatus: string, interviewId = 'a1'): Rec => ({
  kind: 'poll',
  interviewId,
  requestedAt: t(sentAt),
  receivedAt: t(receivedAt),
  body: { onboardingStatus },
});

/** A webhook of any kind with its body. */
export const hook = (kind: string, s: number, body: Record<string, unknown> = { interviewId: 'a1' }): Rec => ({
  kind,
  receivedAt: t(s),
  body,
});

/** The same record received `ms` milliseconds later (a retry of a webhook). */
export const later = (record: Rec, ms: number): Rec => ({
  ...record,
  receivedAt: new Date(Date.parse(record.receivedAt) + ms).toISOString(),
});
