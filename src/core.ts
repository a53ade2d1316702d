/**
 * onboarding-status/core: the pure decision core alone. Nothing under it imports from Node, so a
 * host can embed it anywhere (an edge runtime, a browser, a worker). `onboarding-status` exports
 * all of this plus the faces that do I/O (the service, the stores, the poller).
 */

// The statecharts: the source of truth.
export {
  type DecisionEvidence,
  evidenceMachine,
  type MachineName,
  MODELS,
  onboardingMachine,
  sessionMachine,
} from '../machines/index.js';
export {
  Ledger,
  type LedgerOptions,
  type LedgerSnapshot,
  type LedgerState,
  type Routed,
  type SessionChange,
  type WaitingState,
} from './core/ledger.js';
// The poll schedule: when to poll a session, as a pure function of its view.
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
// A session's state: the mergeable summary of its records, and the view derived from it.
export {
  applyRecord,
  initialSession,
  merge,
  refold,
  restoreState,
  type SessionState,
  STATE_VERSION,
  StateVersionError,
  sameRecords,
} from './core/state.js';
export {
  type AnomalyCounts,
  anomaliesAdded,
  countAnomalies,
  flowKey,
  type SessionSummary,
  summarize,
} from './core/summary.js';
export { type MachineReading, readMachines, viewSession } from './core/view.js';
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
// Records: the one input format, typed by kind; raw input through parseRecord / parseLine.
export { type ParsedRecord, parseLine, parseRecord } from './records/parse.js';
export type {
  AuthenticationRecord,
  DeliveryRecord,
  FaceAuthenticationRecord,
  IneScrapingRecord,
  IsoTime,
  OnboardingStatusRecord,
  PollError,
  PollRecord,
  ProofOfPaymentRecord,
  SessionLifecycleRecord,
  VideoSelfieRecord,
  WatchlistRecord,
  WorkHistoryRecord,
} from './records/record.js';
export { parseTime } from './records/time.js';
export type {
  Anomaly,
  AnomalyCode,
  Decision,
  Endpoint,
  EvidenceEvent,
  Finding,
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
// The vendor's facts, as data.
export { ONBOARDING_STATUSES, type OnboardingStatus, STATUS_FACTS } from './vendor/statuses.js';
