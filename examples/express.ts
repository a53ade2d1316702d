// Mount the webhook service in an Express app, under /onboarding. nodeListener passes each
// request on with the client's address (req.socket.remoteAddress). Mount it before any body
// parser: the service reads the body itself, and keeps it exactly as it arrived.
import express from 'express';
import { createWebhookHandler, nodeListener, openStore } from 'onboarding-status';

const store = await openStore(process.env.STORE ?? './onboarding-status.db');
// Deliveries carry the secret (and come from the vendor's addresses, when given); reads are for this machine only.
const auth = {
  headers: { 'X-Webhook-Secret': process.env.WEBHOOK_SECRET ?? 's3cret' },
  allowIps: process.env.ALLOW_IPS?.split(','),
};
const handler = createWebhookHandler({ store, basePath: '/onboarding', auth });

const app = express();
app.use('/onboarding', nodeListener(handler));
app.use(express.json()); // the rest of your app, parsed as usual

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  console.log(`listening on http://127.0.0.1:${port}/onboarding`);
});
