/**
 * The dashboard (`GET /`) and the trace it reads (`GET /sessions/{id}/machines`). The page is
 * a face: every status, decision, fetchable module, state and anomaly it shows is the core's.
 */
import { createHash } from 'node:crypto';
import { CLIENT_SCRIPT } from './client.js';
import { dashboardPage, PAGE_STYLE } from './page.js';

export { allStateRefs, DIAGRAM_MACHINES, diagramSvg, structureOf } from './diagram.js';
export { dashboardPage } from './page.js';
export { type SessionTrace, type TraceStep, traceSession } from './trace.js';

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** The page's answer, with a policy that allows only its own inline script and style and same-origin reads. */
export function dashboardResponse(): Response {
  const policy = [
    "default-src 'none'",
    `script-src ${sha256(CLIENT_SCRIPT)}`,
    `style-src ${sha256(PAGE_STYLE)}`,
    "connect-src 'self'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return new Response(dashboardPage(), {
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': policy,
      'x-content-type-options': 'nosniff',
    },
  });
}
