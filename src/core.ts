/**
 * onboarding-status/core: the pure decision core alone. Nothing under it imports from Node, so a
 * host can embed it anywhere (an edge runtime, a browser, a worker). `onboarding-status` exports
 * all of this plus the faces that do I/O (the service, the stores, the poller).
 */

// The statecharts: the source of truth (SPEC law 8).
export { evidenceMachine, type MachineName, MODELS, onboardingMachine, sessionMachine } from '../machines/index.js';
export { decide } from './core/decision.js';
export { Ledger, type LedgerOptions, type LedgerSnapshot, type Routed } from './core/ledger.js';
// The poll schedule (SPEC 1.3, law 6): when to poll a session, as a pure function of its view.
export {
  activityOf,
  backoffDelay,
  DEFAULT_POLL_POLICY,
  isDue,
  noteAttempt,
  type PollFailures,
  type PollPlan,
  type PollPolicy,
  planPoll,
  type ScheduledView,
  type SessionActivity,
  scalePollPolicy,
} from './core/schedule.js';
// The reducer and the view (SPEC 2.2).
export { applyRecord, initialSession, type SessionState } from './core/session.js';
export { viewSession } from './core/view.js';
// Diagrams and test vectors: faces over the machines, read from their state trees.
export { toDot } from './diagrams/dot.js';
export { GRAPH_EVENTS } from './diagrams/events.js';
export {
  type Diagram,
  type DiagramEdge,
  type DiagramNode,
  type DiagramOptions,
  type Highlight,
  machineDiagram,
  toJsonGraph,
} from './diagrams/graph.js';
export { toMermaid } from './diagrams/mermaid.js';
export { machinePaths, type PathOptions, type PathVector, recordOf } from './diagrams/paths.js';
export { SEVERITY } from './records/anomaly.js';
// Records: the one input format (SPEC 2.1).
export { type DeliveryRecord, type ParsedRecord, type ParseResult, parseLine, parseRecord } from './records/parse.js';
export type {
  Anomaly,
  AnomalyCode,
  Decision,
  Endpoint,
  EvidenceEvent,
  FlowConfig,
  ModuleAccess,
  ModuleName,
  OnboardingModule,
  RecordSource,
  Refetch,
  SessionView,
  Severity,
} from './types.js';
export { KIND_FACTS, type RecordKind, WEBHOOK_KINDS, type WebhookKind } from './vendor/kinds.js';
export { MODULE_NAMES, MODULES } from './vendor/modules.js';
export { API_VERSION_HEADER, EXECUTIVE_TOKEN_HEADER, STATUS_ENDPOINT } from './vendor/polling.js';
// The vendor's facts, as data (SPEC 1.1–1.4).
export { ONBOARDING_STATUSES, type OnboardingStatus, STATUS_FACTS } from './vendor/statuses.js';
