/**
 * The benchmark workload: realistic histories (the laws' generator: every kind, out of order,
 * retried, stale polls), each session given its own id, shuffled across sessions, then parsed.
 */
import fc from 'fast-check';
import { type ParsedRecord, parseRecord } from '../src/index.js';
import type { RawDeliveryRecord as DeliveryRecord } from '../src/records/record.js';
import { permutedHistoryArb } from '../test/support/histories.js';

/** Rename a generated session id (`s1`…) inside a record so every history is its own session. */
function rename(record: DeliveryRecord, suffix: string): DeliveryRecord {
  const text = JSON.stringify(record).replace(
    /"(s\d+)(-(?:r|who|wl))?"/g,
    (_m, id, rest = '') => `"${id}.${suffix}${rest}"`,
  );
  return JSON.parse(text) as DeliveryRecord;
}

/**
 * About `target` records, out of order within sessions, interleaved across sessions. Whole
 * histories only: a session is never cut short (its records naming no session keep their ties).
 */
export function workloadRecords(target: number, seed = 42): DeliveryRecord[] {
  const out: DeliveryRecord[] = [];
  let index = 0;
  while (out.length < target) {
    const batch = fc.sample(permutedHistoryArb, {
      numRuns: Math.ceil((target - out.length) / 10) + 1,
      seed: seed + index,
    });
    for (const { permuted } of batch) {
      if (out.length >= target) break;
      for (const record of permuted) out.push(rename(record, String(index)));
      index++;
    }
  }
  // Interleave sessions the way a busy receiver sees them, deterministically.
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** The workload parsed once, for benchmarks of the reducer alone. */
export function parsedWorkload(target: number): ParsedRecord[] {
  return workloadRecords(target).flatMap((record) => {
    const parsed = parseRecord(record);
    return parsed.sessionId !== undefined ? [parsed] : [];
  });
}
