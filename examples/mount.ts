// Mount the webhook service in your own server: it is one web-standard (Request) => Response function.
import { createWebhookHandler, openStore } from 'onboarding-status';

// A SQLite file, or postgres://… (install better-sqlite3@12, or pg@8, beside this package).
const store = await openStore(':memory:');
const handler = createWebhookHandler({ store, auth: { headers: { 'X-Webhook-Secret': 's3cret' } } });

// Hono, Bun, Deno, Next.js route handlers: pass each Request through (`export default { fetch: handler }`).
const delivery = new Request('https://your-host/webhooks/onboarding-status', {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-webhook-secret': 's3cret' },
  body: JSON.stringify({ interviewId: 'a1', onboardingStatus: 'ONBOARDING_FINISHED' }),
});
console.log((await handler(delivery)).status); // 204: stored durably before the answer

// Reads are served to loopback clients (or with a read header): pass the peer's address along.
const answer = await handler(new Request('https://your-host/sessions/a1'), { remoteAddress: '127.0.0.1' });
console.log((await answer.json()).fetchable); // [ 'face', 'governmentValidation', 'id', 'scores', 'secondId' ]
await store.close();
