/** The service's answers: JSON bodies, problems (`{error, message}`), and what a 503 asks of a client. */

/** Seconds a client is asked to wait before retrying a 503. */
export const RETRY_AFTER_SECONDS = '5';

/** A JSON answer. */
export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(`${JSON.stringify(body)}\n`, {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });

/** A refusal or failure: `{error, message}` with a stable code and a sentence saying why. */
export const problem = (status: number, error: string, message: string, headers: Record<string, string> = {}) =>
  json(status, { error, message }, headers);

/** The store cannot answer now: retry later. */
export const storeUnavailable = (message: string) =>
  problem(503, 'store-unavailable', message, { 'retry-after': RETRY_AFTER_SECONDS });
