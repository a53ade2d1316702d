// Mount the webhook service in a Fastify app, under /onboarding. In its own scope nothing parses
// the body (the service reads it itself, and keeps it exactly as it arrived); each request is
// handed to nodeListener, which passes the client's address (the socket's) on.
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { createWebhookHandler, nodeListener, openStore } from 'onboarding-status';

const store = await openStore(process.env.STORE ?? './onboarding-status.db');
// Deliveries carry the secret (and come from the vendor's addresses, when given); reads are for this machine only.
const auth = {
  headers: { 'X-Webhook-Secret': process.env.WEBHOOK_SECRET ?? 's3cret' },
  allowIps: process.env.ALLOW_IPS?.split(','),
};
const handler = createWebhookHandler({ store, basePath: '/onboarding', auth });
const listener = nodeListener(handler);

const app = Fastify();
await app.register(async (scope) => {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', (_request, _body, done) => done(null));
  const onboarding = (request: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    listener(request.raw, reply.raw);
  };
  scope.all('/onboarding', onboarding);
  scope.all('/onboarding/*', onboarding);
});

const address = await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
console.log(`listening on ${address}/onboarding`);
