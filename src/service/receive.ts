/**
 * Receiving a webhook delivery: read its body once (refusing it past the size limit), check it is
 * JSON, make the delivery record with the body's text exactly as it arrived, let the core read
 * it once (`ViewKeeper.toStore`), and store it; the store updates the session's view in the same
 * commit and says what anomalies that added, which /metrics counts. `204` only once committed.
 */

import type { ParsedRecord } from '../records/parse.js';
import { recordText } from '../store/record.js';
import { isWebhookKind } from '../vendor/kinds.js';
import { problem, storeUnavailable } from './answers.js';
import type { AuthCheck } from './auth.js';
import type { ServiceParts } from './parts.js';

/** The body passed the size limit. */
export class TooLarge extends Error {}
/** The body stopped before its end: the client went away, or sent a broken chunk. */
export class Incomplete extends Error {}

/** Read a body once, refusing it as soon as it passes the limit. */
export async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) throw new TooLarge();
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read().catch(() => {
      throw new Incomplete();
    });
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw new TooLarge();
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Receive one delivery of `kind` whose authentication was checked (`checked`). Answers 204 once
 * the record is committed; 400, 404, 413 or 503 otherwise, storing nothing.
 */
export async function receiveDelivery(
  parts: ServiceParts,
  kind: string,
  request: Request,
  checked: AuthCheck & { ok: true },
  maxBody: number,
): Promise<Response> {
  const { metrics, store, views } = parts;
  const started = performance.now();
  if (!isWebhookKind(kind)) {
    // Counted under one label: a kind in a URL is the caller's text, and labels must stay few.
    metrics.delivery('(unknown)', 'unknown-kind');
    return problem(404, 'unknown-kind', `"${kind}" is not a webhook kind this service receives`);
  }
  let bytes: Uint8Array;
  try {
    bytes = await readBody(request, maxBody);
  } catch (error) {
    if (error instanceof Incomplete) {
      metrics.delivery(kind, 'incomplete');
      return problem(400, 'incomplete', 'the body did not arrive whole; nothing was stored');
    }
    if (!(error instanceof TooLarge)) throw error;
    metrics.delivery(kind, 'too-large');
    return problem(413, 'too-large', `the body is larger than ${maxBody} bytes`);
  }
  // The body is kept as the text that arrived; parsing only checks that it is JSON (and gives
  // the core a value to read). JSON.parse reads any depth of nesting and any number.
  let text: string;
  let body: unknown;
  try {
    text = decoder.decode(bytes);
  } catch {
    metrics.delivery(kind, 'not-json');
    return problem(400, 'not-json', `the body is not UTF-8 text; every ${kind} webhook carries a JSON object`);
  }
  try {
    body = JSON.parse(text);
  } catch (error) {
    metrics.delivery(kind, 'not-json');
    return problem(
      400,
      'not-json',
      `the body is not JSON (${(error as Error).message}); every ${kind} webhook carries a JSON object`,
    );
  }
  const envelope = {
    kind,
    receivedAt: new Date(parts.now()).toISOString(),
    ...(Object.keys(checked.seen).length > 0 ? { headers: checked.seen } : {}),
  };
  // The one reading of the record by the core: where it belongs and what it proves. The store
  // keeps its text as it arrived and updates the session's view from this reading.
  const record = views.toStore(recordText(envelope, text), { ...envelope, body });
  let outcome: Awaited<ReturnType<typeof store.append>>[number] | undefined;
  try {
    [outcome] = await store.append([record]);
  } catch (error) {
    metrics.delivery(kind, 'store-failed');
    parts.log(`store append failed for a ${kind} delivery: ${error instanceof Error ? error.message : String(error)}`);
    return storeUnavailable('the delivery could not be stored; retry later');
  }
  metrics.acknowledged((performance.now() - started) / 1000);
  const { parsed } = record;
  const invalid = parsed.findings.some((found) => found.code === 'invalid-payload');
  metrics.delivery(kind, invalid ? 'stored-invalid' : 'stored');
  if (outcome?.inserted) {
    parts.changes.notify(outcome.seq);
    countAnomalies(parts, parsed, outcome);
  }
  return new Response(null, { status: 204 });
}

/**
 * Count what a stored delivery brought, as the core reports it: the anomalies the commit added
 * to the views it changed; for a record of no session, what was odd about the record itself
 * (and, when no id can ever tie it to a session, that it is uncorrelated; a refused record the
 * core does not call uncorrelated).
 */
function countAnomalies(
  parts: ServiceParts,
  parsed: ParsedRecord,
  outcome: { interviewId?: string; anomalies?: Readonly<Record<string, number>> },
): void {
  for (const [code, count] of Object.entries(outcome.anomalies ?? {})) parts.metrics.anomaly(code, count);
  if (outcome.interviewId !== undefined) return;
  for (const found of parsed.findings) parts.metrics.anomaly(found.code);
  if (!parsed.refused && parsed.correlation.length === 0) parts.metrics.anomaly('uncorrelated');
}
