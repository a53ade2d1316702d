/**
 * The vendor's status endpoint as data (docs/poller.md): where a poll goes and which headers it
 * carries. The poller reads this table; it spells no path or header of its own.
 */

/** `GET {API}/omni/get/onboarding/status?id={interviewId}`. */
export const STATUS_ENDPOINT = { method: 'GET', path: '/omni/get/onboarding/status', sessionParameter: 'id' } as const;

/** The API version every call to the vendor's API names. */
export const API_VERSION_HEADER = { 'api-version': '1.0' } as const;

/** The header that carries the API key. */
export const API_KEY_HEADER = 'x-api-key';

/** The header that carries the executive token (24 h; reads any session). */
export const EXECUTIVE_TOKEN_HEADER = 'X-Incode-Hardware-Id';

/** The URL of a poll of one session, under an API base URL. */
export function statusUrl(base: string, interviewId: string): string {
  return `${base}${STATUS_ENDPOINT.path}?${STATUS_ENDPOINT.sessionParameter}=${encodeURIComponent(interviewId)}`;
}

/** The headers of a poll. */
export function pollHeaders(apiKey: string, executiveToken: string): Record<string, string> {
  return { ...API_VERSION_HEADER, [API_KEY_HEADER]: apiKey, [EXECUTIVE_TOKEN_HEADER]: executiveToken };
}
