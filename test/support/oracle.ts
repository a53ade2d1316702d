/**
 * Independent readings of SPEC 1.4 and law 6, written from the SPEC text alone, against which
 * the core's answers are checked. They know only records, never the machines.
 */
import { type ModuleName, parseRecord, parseTime } from '../../src/index.js';
import type { Rec } from './records.js';

type DeliveryRecord = Rec;

const COMPLETION = new Set(['ONBOARDING_FINISHED', 'MANUAL_REVIEW_APPROVED', 'MANUAL_REVIEW_REJECTED']);

const named = (record: DeliveryRecord): string | undefined => {
  const body = (record.body ?? {}) as Record<string, unknown>;
  const direct = record.interviewId ?? body.interviewId ?? body.InterviewId;
  return typeof direct === 'string' && direct.length > 0 ? direct : undefined;
};

const idsOf = (record: DeliveryRecord): string[] => {
  const body = (record.body ?? {}) as Record<string, unknown>;
  const ids: string[] = [];
  for (const [field, prefix] of [
    ['identityId', 'identity'],
    ['customerId', 'identity'],
    ['requestId', 'requestId'],
  ] as const) {
    const value = body[field];
    if (typeof value === 'string' && value.length > 0) ids.push(`${prefix}:${value}`);
  }
  return ids;
};

/**
 * The correlation rule read from the contract alone: a record naming no session belongs to the
 * session of the earliest-received record (by receivedAt, then delivery key) that names a session
 * and carries one of its ids; it is ambiguous when those ids are carried by several sessions.
 */
export function correlate(records: readonly DeliveryRecord[]): (record: DeliveryRecord) => {
  session: string | undefined;
  ambiguous: boolean;
} {
  const carriers = new Map<string, { at: number; key: number; session: string }[]>();
  for (const record of records) {
    const session = named(record);
    const at = parseTime(record.receivedAt);
    if (session === undefined || at === undefined) continue;
    for (const id of idsOf(record)) {
      const list = carriers.get(id) ?? [];
      list.push({ at, key: parseRecord(record).key, session });
      carriers.set(id, list);
    }
  }
  return (record) => {
    const own = named(record);
    if (own !== undefined) return { session: own, ambiguous: false };
    const found = idsOf(record).flatMap((id) => carriers.get(id) ?? []);
    if (found.length === 0) return { session: undefined, ambiguous: false };
    found.sort((a, b) => a.at - b.at || a.key - b.key);
    return { session: found[0].session, ambiguous: new Set(found.map((c) => c.session)).size > 1 };
  };
}

/** The records of each session, by the correlation rule. */
export function recordsBySession(records: readonly DeliveryRecord[]): Map<string, DeliveryRecord[]> {
  const sessionOf = correlate(records);
  const out = new Map<string, DeliveryRecord[]>();
  for (const record of records) {
    const { session } = sessionOf(record);
    if (session === undefined) continue;
    const list = out.get(session) ?? [];
    list.push(record);
    out.set(session, list);
  }
  return out;
}

function statusOf(record: DeliveryRecord): string | undefined {
  if (record.kind !== 'onboarding-status' && record.kind !== 'poll') return undefined;
  const status = (record.body as Record<string, unknown>)?.onboardingStatus;
  return typeof status === 'string' ? status : undefined;
}

/** SPEC 1.4 and law 5: the evidence that allows each module, and whether completion does. */
const DIRECT: Readonly<Record<ModuleName, (record: DeliveryRecord) => boolean>> = {
  id: (r) =>
    ['ID_VALIDATION_FINISHED', 'ID_VALIDATION_FINISHED_SECOND_ID', 'POST_PROCESSING_FINISHED'].includes(
      statusOf(r) ?? '',
    ),
  secondId: (r) => statusOf(r) === 'ID_VALIDATION_FINISHED_SECOND_ID',
  face: (r) => statusOf(r) === 'FACE_VALIDATION_FINISHED',
  governmentValidation: (r) => statusOf(r) === 'GOVERNMENT_VALIDATION_FINISHED',
  scores: (r) => r.kind === 'ine-scraping' && (r.body as Record<string, unknown>).ScrapingStatus === 'FINISHED',
  videoSelfie: (r) => r.kind === 'video-selfie',
  watchlist: (r) => r.kind === 'watchlist' && typeof (r.body as Record<string, unknown>).ref === 'string',
  faceAuthentication: (r) => r.kind === 'face-authentication',
  workHistory: (r) => r.kind === 'work-history',
  proofOfPayment: (r) => r.kind === 'proof-of-payment',
};

const BY_COMPLETION: ReadonlySet<ModuleName> = new Set(['id', 'secondId', 'face', 'governmentValidation', 'scores']);

/** Whether the records received for a session justify fetching a module (law 5). */
export function justified(
  records: readonly DeliveryRecord[],
  module: ModuleName,
  flowModules?: readonly string[],
): boolean {
  if (records.some(DIRECT[module])) return true;
  const completed = records.some((r) => COMPLETION.has(statusOf(r) ?? ''));
  if (!completed || !BY_COMPLETION.has(module)) return false;
  return module === 'scores' || flowModules === undefined || flowModules.includes(module);
}

const canonical = (value: unknown): string =>
  value === null || typeof value !== 'object'
    ? JSON.stringify(value)
    : Array.isArray(value)
      ? `[${value.map(canonical).join(',')}]`
      : `{${Object.keys(value)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
          .join(',')}}`;

/** Law 6, read from the SPEC: the decision the records of one session support. */
export function expectedDecision(records: readonly DeliveryRecord[]): string {
  const webhooks = new Map<string, { decision: string; at: number }>();
  let pending = false;
  let settle: { decision: string; requestedAt: number; at: number } | undefined;
  for (const record of records) {
    const at = parseTime(record.receivedAt) as number;
    const status = statusOf(record);
    let decision: string | undefined;
    if (status === 'MANUAL_REVIEW_APPROVED' || record.kind === 'session-succeeded') decision = 'approved';
    if (status === 'MANUAL_REVIEW_REJECTED' || record.kind === 'session-failed') decision = 'rejected';
    if (record.kind === 'session-pending-review') pending = true;
    if (decision === undefined) continue;
    if (record.kind === 'poll') {
      const requestedAt = Math.min(parseTime(record.requestedAt as string) as number, at);
      const later =
        settle === undefined ||
        requestedAt > settle.requestedAt ||
        (requestedAt === settle.requestedAt && (at > settle.at || (at === settle.at && decision === 'rejected')));
      if (later) settle = { decision, requestedAt, at };
      continue;
    }
    // Copies of one webhook count once, at the earliest time received (law 3).
    const key = `${record.kind}|${canonical(record.body)}`;
    const known = webhooks.get(key);
    if (!known || at < known.at) webhooks.set(key, { decision, at });
  }
  const open = new Set<string>(settle ? [settle.decision] : []);
  for (const { decision, at } of webhooks.values()) {
    if (settle === undefined || at >= settle.requestedAt) open.add(decision);
  }
  if (open.has('approved') && open.has('rejected')) return 'conflict';
  if (open.has('approved')) return 'approved';
  if (open.has('rejected')) return 'rejected';
  return pending ? 'pending-review' : 'none';
}
