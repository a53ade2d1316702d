/**
 * The baseline of benchmark 2: read a JSON Lines log, `JSON.parse` each line and check the record
 * envelope with zod (kind, ISO times, session id, body object), nothing more. Prints one JSON line
 * with the counts and this process's peak RSS.
 *
 *   node --import tsx bench/replay-baseline.ts FILE
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { z } from 'zod';

const envelope = z.object({
  kind: z.string(),
  receivedAt: z.iso.datetime(),
  requestedAt: z.iso.datetime().optional(),
  interviewId: z.string().optional(),
  body: z.looseObject({ interviewId: z.string().optional() }),
});

const file = process.argv[2];
if (file === undefined) throw new Error('usage: replay-baseline.ts FILE');
let records = 0;
let valid = 0;
for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY })) {
  if (line === '') continue;
  records++;
  try {
    if (envelope.safeParse(JSON.parse(line)).success) valid++;
  } catch {
    // A malformed line: counted, not valid.
  }
}
console.log(JSON.stringify({ records, valid, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
