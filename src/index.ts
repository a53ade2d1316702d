/**
 * onboarding-status: the public API. Everything here is a promise the package keeps; anything
 * not exported from this file (or from `./core.ts`, its pure part) is internal.
 */

// The contract as zod schemas (docs/spec.md); the JSON Schemas in schemas/ are generated from them.
export { type DeliveryRecordInput, deliveryRecordSchema, timeSchema } from './contract/record.js';
export { ANOMALY_CODES, anomalySchema, sessionViewSchema } from './contract/view.js';
// The pure decision core: statecharts, records, reducer, view, schedule, diagrams, vendor facts.
export * from './core.js';
// The poller: carries out the schedule against the vendor, storing each answer as a poll record.
export {
  createPoller,
  type Poller,
  type PollerOptions,
  type PollOutcome,
  type PollRound,
  retryAfterMillis,
} from './poller/poller.js';
export { type ExecutiveToken, loginAt, type TokenSource } from './poller/token.js';
// The webhook service (docs/openapi.json): a web-standard handler to mount anywhere, and its stores
// (`openStore` loads the SQLite or PostgreSQL client only when a store is opened).
export type { AuthOptions, OAuthClient } from './service/auth.js';
export {
  createWebhookHandler,
  type RequestInfo,
  type WebhookHandler,
  type WebhookHandlerOptions,
} from './service/handler.js';
export { ServiceMetrics } from './service/metrics.js';
export {
  type NodeRequest,
  type NodeResponse,
  nodeListener,
  type RunningServer,
  type ServedHandler,
  type ServerOptions,
  startServer,
} from './service/server.js';
export { type OpenStoreOptions, openStore } from './store/open.js';
export { type RebuildOptions, type RebuildProgress, rebuildViews } from './store/rebuild.js';
export type {
  AppendOutcome,
  RecordToStore,
  Store,
  StoredRecord,
  ViewChanges,
  ViewQuery,
  ViewRow,
} from './store/types.js';
export { createViewKeeper, type ViewKeeper, type ViewKeeperOptions, type ViewUpdate } from './store/views.js';
