/**
 * Generate a large, realistic JSON Lines log of delivery records (docs/spec.md, the delivery record), seeded, for load
 * tests of `validate` and `replay`. Sessions run interleaved (a window of concurrent sessions);
 * deliveries are retried (duplicates), reordered, polled stale, and now and then malformed.
 *
 *   npm run generate-log -- big.jsonl --records 1000000 --sessions 110000 --seed 7
 *   npx tsx scripts/generate-log.ts --records 1000 > small.jsonl
 *
 * It writes to FILE, or to stdout without one; it stops at --records (the last sessions may be
 * cut short, as in a real log excerpt). Under `npm run`, whose banner would land in stdout
 * before the records, it asks for a FILE (or `npm run -s`, which prints no banner).
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    records: { type: 'string', default: '1000000' },
    sessions: { type: 'string', default: '110000' },
    seed: { type: 'string', default: '20261125' },
    concurrency: { type: 'string', default: '500' },
  },
});
const [file] = positionals;
if (
  file === undefined &&
  process.env.npm_lifecycle_event === 'generate-log' &&
  process.env.npm_config_loglevel !== 'silent'
) {
  process.stderr.write(
    'generate-log: npm writes its banner to stdout, which would put it in the log: give a file ' +
      '(npm run generate-log -- big.jsonl) or silence npm (npm run -s generate-log > big.jsonl)\n',
  );
  process.exit(2);
}
const out = file === undefined ? process.stdout : createWriteStream(file);
const RECORDS = Number(values.records);
const SESSIONS = Number(values.sessions);
const CONCURRENCY = Number(values.concurrency);

/** mulberry32: a small seeded generator, so a seed always gives the same log. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = random(Number(values.seed));
const chance = (p: number) => rand() < p;

const START = Date.parse('2026-11-25T00:00:00.000Z');
let clock = START;

/** The deliveries of one session, in the order the vendor produced them. */
function planSession(index: number): string[] {
  const id = `s${index.toString(36).padStart(5, '0')}`;
  let t = clock;
  const out: { at: number; record: Record<string, unknown> }[] = [];
  const webhook = (kind: string, body: Record<string, unknown>) => {
    t += 5_000 + Math.floor(rand() * 60_000);
    out.push({ at: t, record: { kind, body } });
    // The vendor retries: 30 s, then ×2.5.
    if (chance(0.06)) out.push({ at: t + 30_000, record: { kind, body } });
    if (chance(0.02)) out.push({ at: t + 105_000, record: { kind, body } });
  };
  const status = (onboardingStatus: string) => webhook('onboarding-status', { interviewId: id, onboardingStatus });
  const poll = (onboardingStatus: string, lag = 300) => {
    t += 2_000;
    out.push({
      at: t + lag,
      record: { kind: 'poll', interviewId: id, requestedAt: new Date(t).toISOString(), body: { onboardingStatus } },
    });
  };
  const scenario = rand();
  webhook('session-started', { interviewId: id });
  if (scenario < 0.08) {
    // Abandoned while capturing the ID.
    poll('UNKNOWN');
    if (chance(0.5)) status('ID_VALIDATION_FINISHED');
  } else {
    status('ID_VALIDATION_FINISHED');
    if (chance(0.1)) status('ID_VALIDATION_FINISHED_SECOND_ID');
    const middle = ['POST_PROCESSING_FINISHED', 'FACE_VALIDATION_FINISHED'];
    if (chance(0.5)) middle.push('GOVERNMENT_VALIDATION_FINISHED');
    if (chance(0.5)) middle.reverse();
    for (const s of middle) status(s);
    if (chance(0.5)) webhook('video-selfie', { interviewId: id, clientId: 'acme', flowId: 'f1' });
    if (chance(0.5)) poll(middle[middle.length - 1]);
    if (chance(0.6)) {
      webhook('identity-enrolled', { interviewId: id, identityId: `id-${index}` });
      // Correlated by the identity id alone: the ledger ties it to the session.
      if (chance(0.5)) webhook('face-authentication', { identityId: `id-${index}`, success: chance(0.9) });
    }
    if (chance(0.2)) poll(middle[0], 90_000); // lands after later statuses: stale
    status('ONBOARDING_FINISHED');
    if (chance(0.1)) webhook('watchlist', { interviewId: id, ref: `wl-${index}`, search_id: `s-${index}` });
    if (scenario > 0.8) {
      webhook('session-pending-review', { interviewId: id });
      const first = chance(0.7) ? 'MANUAL_REVIEW_APPROVED' : 'MANUAL_REVIEW_REJECTED';
      status(first);
      if (scenario > 0.97) {
        // Reversed in the dashboard, then settled by a poll.
        const second = first === 'MANUAL_REVIEW_APPROVED' ? 'MANUAL_REVIEW_REJECTED' : 'MANUAL_REVIEW_APPROVED';
        status(second);
        poll(second);
      }
    } else {
      webhook('session-succeeded', { interviewId: id });
      poll('ONBOARDING_FINISHED');
    }
  }
  if (chance(0.002))
    out.push({ at: t + 1_000, record: { kind: 'onboarding-status', body: { interviewId: id, onboardingStatus: 7 } } });
  // Delays reorder deliveries: now and then a webhook is received after the one the vendor sent
  // next (the two swap their times of arrival), and the log holds lines out of time order.
  for (let i = 0; i + 1 < out.length; i++) {
    if (out[i].record.kind === 'poll' || out[i + 1].record.kind === 'poll' || !chance(0.08)) continue;
    [out[i].record, out[i + 1].record] = [out[i + 1].record, out[i].record];
    if (chance(0.5)) [out[i], out[i + 1]] = [out[i + 1], out[i]];
  }
  clock += 1_000;
  return out.map(({ at, record }) =>
    JSON.stringify({ kind: record.kind, receivedAt: new Date(at).toISOString(), ...record }),
  );
}

const active: string[][] = [];
let started = 0;
let written = 0;
let buffer: string[] = [];
// Writes wait for the reader (a pipe may be slower than we are).
const flush = async () => {
  if (buffer.length === 0) return;
  const chunk = `${buffer.join('\n')}\n`;
  buffer = [];
  if (!out.write(chunk)) await once(out, 'drain');
};
while (written < RECORDS) {
  while (active.length < CONCURRENCY && started < SESSIONS) active.push(planSession(started++));
  if (active.length === 0) break;
  const slot = Math.floor(rand() * active.length);
  const lines = active[slot];
  const line = lines.shift() as string;
  buffer.push(chance(0.0002) ? line.slice(0, Math.floor(line.length / 2)) : line);
  written++;
  if (lines.length === 0) {
    active[slot] = active[active.length - 1];
    active.pop();
  }
  if (buffer.length >= 4096) await flush();
}
await flush();
if (out !== process.stdout) await new Promise<void>((resolve) => out.end(() => resolve()));
process.stderr.write(`${written} records, ${started} sessions started${file === undefined ? '' : ` in ${file}`}\n`);
