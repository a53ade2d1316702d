/**
 * What the receiving and reading halves of the service share: the store (watched, so its failures
 * are 503s), the fold/view service that reads records and renders views, the metrics, the signal
 * that wakes event streams, and how far a rebuild of the views is.
 */
import type { RebuildProgress } from '../store/rebuild.js';
import type { ViewKeeper } from '../store/views.js';
import type { FlowConfig } from '../types.js';
import type { ChangeSignal } from './events.js';
import type { ServiceMetrics } from './metrics.js';
import type { WatchedStore } from './store-health.js';

/** Whether the store's views are current, and how far a rebuild is while they are not. */
export interface RebuildStatus {
  /** Every session has a view of this version: a session with no view has no record. */
  complete: boolean;
  /** A rebuild runs in this process. */
  running: boolean;
  progress?: RebuildProgress;
}

/** The parts of one service. */
export interface ServiceParts {
  readonly store: WatchedStore;
  readonly views: ViewKeeper;
  readonly flow: FlowConfig | undefined;
  readonly metrics: ServiceMetrics;
  readonly changes: ChangeSignal;
  readonly now: () => number;
  readonly log: (message: string) => void;
  readonly rebuild: RebuildStatus;
}
