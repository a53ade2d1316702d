/**
 * `npm run contracts`: write the machine-readable contracts, generated from the zod schemas of
 * src/contract/: the JSON Schemas of the delivery record and of the session view (schemas/), and
 * the OpenAPI 3.1 description of the service (docs/openapi.json). test/contract/ fails when the
 * committed files drift from what this writes, and checks real answers against them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { deliveryRecordSchema } from '../src/contract/record.js';
import { sessionViewSchema } from '../src/contract/view.js';
import { WEBHOOK_KINDS } from '../src/vendor/kinds.js';
import { ONBOARDING_STATUSES } from '../src/vendor/statuses.js';

const ROOT = new URL('../', import.meta.url);
const SPEC = 'docs/spec.md';

type Json = Record<string, unknown>;

/** A zod schema as a stand-alone JSON Schema (draft 2020-12) file. */
function schemaFile(schema: z.ZodType, file: string): Json {
  const { $schema, ...rest } = z.toJSONSchema(schema, { io: 'output' }) as Json;
  return { $schema, $id: file, ...rest };
}

/** The contract's schemas as OpenAPI components: their definitions, each `$ref` pointing at its sibling. */
function components(): Record<string, Json> {
  const defs: Record<string, Json> = {};
  for (const schema of [deliveryRecordSchema, sessionViewSchema]) {
    Object.assign(defs, (z.toJSONSchema(schema, { io: 'output' }) as { $defs: Record<string, Json> }).$defs);
  }
  return JSON.parse(JSON.stringify(defs).replaceAll('"#/$defs/', '"#/components/schemas/'));
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json, description: string) => ({ description, content: { 'application/json': { schema } } });
const problem = (description: string) => json(ref('Problem'), description);
const jsonLines = (description: string) => ({
  description: `${description}: JSON Lines, one stored delivery record (StoredRecord) a line, as \`onboarding-status replay\` reads them`,
  content: { 'application/jsonl': { schema: { type: 'string' } } },
});
const unauthorizedRead = problem(
  'the read headers are missing (without --read-header, only loopback clients may read)',
);
const sessionId = {
  name: 'interviewId',
  in: 'path',
  required: true,
  schema: { type: 'string', minLength: 1 },
  description: 'the session (Incode interview) id',
};
const unknownSession = problem('no delivery names this session');

/** The OpenAPI 3.1 description of `onboarding-status serve` (and of `createWebhookHandler`). */
export function openApi(version: string): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'onboarding-status webhook service',
      version,
      license: { name: 'MIT', identifier: 'MIT' },
      description:
        "Receives Incode's webhooks, stores each delivery durably before acknowledging it, and answers one view per session. " +
        `The delivery record, the session view and every anomaly are described in ${SPEC}.`,
    },
    servers: [{ url: 'http://127.0.0.1:8080', description: 'onboarding-status serve (default port)' }],
    paths: {
      '/webhooks/{kind}': {
        post: {
          operationId: 'receiveWebhook',
          summary: 'Receive one webhook delivery',
          description:
            'Answers 204 only once the delivery record is durable. A body that is JSON but not valid for its kind is kept, ' +
            'reported as invalid-payload in its session view, and acknowledged all the same.',
          security: [{}, { webhookHeader: [] }, { oauth2: [] }],
          parameters: [
            {
              name: 'kind',
              in: 'path',
              required: true,
              schema: { type: 'string', enum: [...WEBHOOK_KINDS] },
              description: "the webhook's kind: configure one URL per kind in the vendor's dashboard",
            },
          ],
          requestBody: {
            required: true,
            description: "the vendor's body, as it sends it",
            content: { 'application/json': { schema: {} } },
          },
          responses: {
            '204': { description: 'the delivery record is stored durably' },
            '400': problem('the body is not JSON'),
            '401': problem('authentication failed'),
            '404': problem('not a webhook kind this service receives'),
            '413': problem('the body is larger than --max-body'),
            '503': problem('the store failed: the vendor retries'),
          },
        },
      },
      '/oauth/token': {
        post: {
          operationId: 'issueToken',
          summary: 'OAuth2 client-credentials grant (with --oauth-client)',
          requestBody: {
            required: true,
            content: {
              'application/x-www-form-urlencoded': {
                schema: {
                  type: 'object',
                  required: ['grant_type'],
                  properties: {
                    grant_type: { const: 'client_credentials' },
                    client_id: { type: 'string' },
                    client_secret: { type: 'string' },
                  },
                },
              },
            },
          },
          responses: {
            '200': json(ref('OAuthToken'), 'a bearer token for deliveries'),
            '400': json(ref('OAuthError'), 'the grant type is not client_credentials'),
            '401': json(ref('OAuthError'), 'unknown client or wrong secret'),
            '413': problem('the form is too large'),
          },
        },
      },
      '/sessions': {
        get: {
          operationId: 'listSessions',
          summary: 'Session views, a page at a time, by id or latest change first, read by index',
          security: [{}, { readHeader: [] }],
          parameters: [
            { name: 'status', in: 'query', schema: { type: 'string', enum: [...ONBOARDING_STATUSES] } },
            {
              name: 'decision',
              in: 'query',
              schema: { type: 'string', enum: ['none', 'pending-review', 'approved', 'rejected', 'conflict'] },
            },
            {
              name: 'anomalies',
              in: 'query',
              schema: { type: 'string', enum: ['true', 'false'] },
              description: 'only sessions with (true) or without (false) anomalies',
            },
            {
              name: 'changedSince',
              in: 'query',
              schema: { type: 'string', format: 'date-time' },
              description: 'only sessions whose view changed at or after this time (ISO 8601 with an offset)',
            },
            {
              name: 'prefix',
              in: 'query',
              schema: { type: 'string' },
              description: 'only sessions whose id starts with this text',
            },
            {
              name: 'order',
              in: 'query',
              schema: { type: 'string', enum: ['id', 'recent'], default: 'id' },
              description: 'by session id, or latest change first (by store position)',
            },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } },
            {
              name: 'after',
              in: 'query',
              schema: { type: 'string' },
              description: "the previous page's next (a session id, or a store position with order=recent)",
            },
          ],
          responses: {
            '200': json(ref('SessionPage'), 'a page of session views'),
            '400': problem('a query parameter is not valid'),
            '401': unauthorizedRead,
          },
        },
      },
      '/sessions/{interviewId}': {
        get: {
          operationId: 'getSession',
          summary: "A session's view",
          description: `The same view a replay of the stored records gives: ${SPEC}#the-session-view.`,
          security: [{}, { readHeader: [] }],
          parameters: [sessionId],
          responses: {
            '200': json(ref('SessionView'), 'the session view'),
            '401': unauthorizedRead,
            '404': unknownSession,
          },
        },
      },
      '/sessions/{interviewId}/records': {
        get: {
          operationId: 'getSessionRecords',
          summary: "A session's delivery records",
          security: [{}, { readHeader: [] }],
          parameters: [sessionId],
          responses: { '200': jsonLines("the session's records"), '401': unauthorizedRead, '404': unknownSession },
        },
      },
      '/sessions/{interviewId}/machines': {
        get: {
          operationId: 'getSessionMachines',
          summary: "A session's path through the statecharts (the dashboard reads it)",
          security: [{}, { readHeader: [] }],
          parameters: [sessionId],
          responses: {
            '200': json(ref('SessionTrace'), 'the machine states, and what each record did'),
            '401': unauthorizedRead,
            '404': unknownSession,
          },
        },
      },
      '/records': {
        get: {
          operationId: 'exportRecords',
          summary: 'Every stored delivery record, in store order',
          security: [{}, { readHeader: [] }],
          parameters: [
            {
              name: 'after',
              in: 'query',
              schema: { type: 'integer', minimum: 0, default: 0 },
              description: 'a store position: only records stored after it',
            },
          ],
          responses: {
            '200': jsonLines('the records'),
            '400': problem('after is not a store position'),
            '401': unauthorizedRead,
          },
        },
      },
      '/events': {
        get: {
          operationId: 'followViews',
          summary: 'Server-sent events: `event: view` with a session view each time it changes',
          description:
            'Without a resume point: a first page of the latest changed sessions, then changes. With one: the changes after it, without a gap or a repeat. The event id is the store position of the change.',
          security: [{}, { readHeader: [] }],
          parameters: [
            {
              name: 'Last-Event-ID',
              in: 'header',
              schema: { type: 'string' },
              description: 'resume after this event id (a store position)',
            },
            { name: 'after', in: 'query', schema: { type: 'integer', minimum: 0 }, description: 'as Last-Event-ID' },
          ],
          responses: {
            '200': {
              description: 'a stream of events whose data is a SessionView',
              content: { 'text/event-stream': { schema: { type: 'string' } } },
            },
            '400': problem('Last-Event-ID is not an event id'),
            '401': unauthorizedRead,
          },
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          summary: 'Prometheus metrics',
          responses: {
            '200': { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } },
          },
        },
      },
      '/healthz': {
        get: {
          operationId: 'health',
          summary: 'Liveness, and whether the store answers',
          responses: {
            '200': json(
              {
                type: 'object',
                required: ['ok', 'store', 'views'],
                properties: {
                  ok: { const: true },
                  store: { const: 'up' },
                  views: {
                    enum: ['current', 'rebuilding', 'stale'],
                    description:
                      'current: every stored view is of this version; rebuilding: a rebuild runs (reads fold the sessions not yet rebuilt); stale: a rebuild is due',
                  },
                  rebuild: {
                    type: 'object',
                    description: 'how far the rebuild is',
                    required: ['done', 'total', 'rebuilt', 'millis'],
                    properties: {
                      done: { type: 'integer', description: 'sessions looked at' },
                      total: { type: 'integer', description: 'sessions when it began' },
                      rebuilt: { type: 'integer', description: 'views folded again' },
                      millis: { type: 'number' },
                    },
                  },
                },
                additionalProperties: false,
              },
              'the service is up, and its store answered within a second',
            ),
            '503': json(
              {
                type: 'object',
                required: ['ok', 'store', 'message'],
                properties: { ok: { const: false }, store: { const: 'down' }, message: { type: 'string' } },
                additionalProperties: false,
              },
              'the service is up, but its store did not answer within a second (Retry-After says when to ask again)',
            ),
          },
        },
      },
      '/': {
        get: {
          operationId: 'dashboard',
          summary: 'The live dashboard',
          security: [{}, { readHeader: [] }],
          responses: {
            '200': { description: 'an HTML page', content: { 'text/html': { schema: { type: 'string' } } } },
            '401': problem('the read headers are missing'),
          },
        },
      },
    },
    components: {
      schemas: {
        ...components(),
        Problem: {
          type: 'object',
          required: ['error', 'message'],
          properties: {
            error: { type: 'string', description: 'a short code: not-json, unauthorized, unknown-kind, …' },
            message: { type: 'string', description: 'what was wrong, for a person' },
          },
          additionalProperties: false,
        },
        SessionPage: {
          type: 'object',
          required: ['sessions', 'next', 'position'],
          properties: {
            sessions: { type: 'array', items: ref('SessionView') },
            position: {
              type: 'integer',
              description:
                'a store position the page is at least as recent as: follow the changes after it with /events?after=',
            },
            next: {
              type: ['string', 'null'],
              description: 'pass as after for the next page; null: no more sessions match',
            },
          },
          additionalProperties: false,
        },
        StoredRecord: {
          type: 'object',
          description: `A delivery record as stored: what arrived, valid or not (${SPEC}#the-delivery-record)`,
          required: ['kind', 'receivedAt', 'body'],
          properties: {
            kind: { type: 'string' },
            receivedAt: { type: 'string' },
            body: {},
            headers: { type: 'object', additionalProperties: { type: 'string' } },
          },
        },
        SessionTrace: {
          type: 'object',
          required: ['interviewId', 'machines', 'current', 'reached', 'steps'],
          properties: {
            interviewId: { type: 'string' },
            machines: {
              type: 'object',
              additionalProperties: { type: 'object', additionalProperties: { type: 'string' } },
              description: "each machine's current value: region → state",
            },
            current: { type: 'array', items: { type: 'string' } },
            reached: { type: 'array', items: { type: 'string' } },
            steps: {
              type: 'array',
              items: {
                type: 'object',
                required: ['seq', 'kind', 'receivedAt', 'routed', 'entered', 'anomalies'],
                properties: {
                  seq: { type: 'integer' },
                  kind: { type: 'string' },
                  receivedAt: { type: 'string' },
                  routed: { enum: ['session', 'waiting', 'none'] },
                  entered: { type: 'array', items: { type: 'string' } },
                  anomalies: { type: 'array', items: ref('Anomaly') },
                },
                additionalProperties: false,
              },
            },
          },
          additionalProperties: false,
        },
        OAuthToken: {
          type: 'object',
          required: ['access_token', 'token_type', 'expires_in'],
          properties: {
            access_token: { type: 'string' },
            token_type: { const: 'Bearer' },
            expires_in: { type: 'integer', minimum: 1 },
          },
          additionalProperties: false,
        },
        OAuthError: {
          type: 'object',
          required: ['error', 'error_description'],
          properties: {
            error: { enum: ['unsupported_grant_type', 'invalid_client'] },
            error_description: { type: 'string' },
          },
          additionalProperties: false,
        },
      },
      securitySchemes: {
        webhookHeader: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Webhook-Secret',
          description: 'a static header (--auth-header "Name: value"; any name)',
        },
        oauth2: {
          type: 'oauth2',
          description: 'OAuth2 client credentials (--oauth-client id:secret): the service issues the tokens',
          flows: { clientCredentials: { tokenUrl: '/oauth/token', scopes: {} } },
        },
        readHeader: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Read-Secret',
          description: 'a header readers must carry (--read-header "Name: value"; any name)',
        },
      },
    },
  };
}

/** Every contract file, with the content it should have. */
export function contractFiles(): Record<string, string> {
  const { version } = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { version: string };
  const text = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  return {
    'schemas/delivery-record.schema.json': text(schemaFile(deliveryRecordSchema, 'delivery-record.schema.json')),
    'schemas/session-view.schema.json': text(schemaFile(sessionViewSchema, 'session-view.schema.json')),
    'docs/openapi.json': text(openApi(version)),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const [path, content] of Object.entries(contractFiles())) {
    writeFileSync(new URL(path, ROOT), content);
    process.stdout.write(`wrote ${fileURLToPath(new URL(path, ROOT))}\n`);
  }
}
