// Mount the webhook service in a Hono app on Node, under /onboarding: pass each request as it
// is, and the client's address (which the standard Request cannot carry) from getConnInfo.
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { type Context, Hono } from 'hono';
import { createWebhookHandler, openStore } from 'onboarding-status';

const store = await openStore(process.env.STORE ?? './onboarding-status.db');
// Deliveries carry the secret (and come from the vendor's addresses, when given); reads are for this machine only.
const auth = {
  headers: { 'X-Webhook-Secret': process.env.WEBHOOK_SECRET ?? 's3cret' },
  allowIps: process.env.ALLOW_IPS?.split(','),
};
const handler = createWebhookHandler({ store, basePath: '/onboarding', auth });

const app = new Hono();
const onboarding = (c: Context) => handler(c.req.raw, { remoteAddress: getConnInfo(c).remote.address });
app.all('/onboarding', onboarding);
app.all('/onboarding/*', onboarding);

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname: '127.0.0.1' }, (info) =>
  console.log(`listening on http://127.0.0.1:${info.port}/onboarding`),
);
