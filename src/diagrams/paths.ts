/**
 * Test vectors from the machines' paths (@xstate/graph): for each path, the events in order, the
 * delivery records that carry them (docs/spec.md#the-delivery-record), the state XState ends in, and the session view the
 * core gives for those records. Integrators replay the records into their own handlers and
 * compare.
 */
import { getShortestPaths, getSimplePaths } from '@xstate/graph';
import { type AnyStateMachine, initialTransition, transition } from 'xstate';
import { type MachineName, MODELS } from '../../machines/index.js';
import { Ledger } from '../core/ledger.js';
import { sessionMachines } from '../core/replay.js';
import { initialSession } from '../core/state.js';
import { viewSession } from '../core/view.js';
import type { DeliveryRecord } from '../records/record.js';
import type { EvidenceEvent, SessionView } from '../types.js';
import { flowBits } from '../vendor/modules.js';
import type { OnboardingStatus } from '../vendor/statuses.js';
import { GRAPH_EVENTS } from './events.js';

/** One test vector: records in, state and view out. */
export interface PathVector {
  readonly machine: MachineName;
  /** What the path reaches, region → state: the full state value (shortest) or one region's state (simple). */
  readonly reaches: Readonly<Record<string, string>>;
  /** The machine events, in order (times as ISO 8601). */
  readonly events: readonly Record<string, unknown>[];
  /** The same events as delivery records, in the order to apply them. */
  readonly records: readonly DeliveryRecord[];
  /** The machine's state value after the events, by region. */
  readonly state: Readonly<Record<string, string>>;
  /** The parts of the session view a handler decides on. */
  readonly view: Pick<SessionView, 'status' | 'decision' | 'fetchable' | 'pollRequested' | 'terminal' | 'session'>;
}

/** Options of `machinePaths`. */
export interface PathOptions {
  /**
   * Every simple path to each state of each region (the state value projected on one region),
   * instead of the shortest path to each full state value.
   * @defaultValue false
   */
  readonly simple?: boolean;
  /**
   * At most this many vectors (simple paths multiply quickly).
   * @defaultValue Infinity
   */
  readonly max?: number;
}

/** The session every vector is about. */
export const VECTOR_SESSION = 'vector-1';
const BASE = Date.parse('2026-11-25T10:00:00.000Z');
/** Graph events count time in small steps; a step is one second of the vector's clock. */
const iso = (step: number) => new Date(BASE + step * 1000).toISOString();

/** The delivery record that carries a machine event. */
export function recordOf(
  event: EvidenceEvent,
  interviewId: string = VECTOR_SESSION,
  delivery?: string,
): DeliveryRecord {
  const receivedAt = iso(event.at);
  // A second delivery of the same event carries another `externalId`: a delivery of its own, not
  // a retried copy of the first (which would count once).
  const distinct = delivery === undefined ? {} : { externalId: delivery };
  const body = <T extends object>(fields: T) => ({ interviewId, ...fields, ...distinct });
  switch (event.type) {
    case 'video-selfie':
      return { kind: event.type, receivedAt, body: body({}) };
    case 'watchlist':
      return { kind: event.type, receivedAt, body: body({ ref: 'ref-1', search_id: 'search-1' }) };
    case 'face-authentication':
      return { kind: event.type, receivedAt, body: body({ success: event.outcome === 'succeeded' }) };
    case 'work-history':
      return { kind: event.type, receivedAt, body: body({ requestId: 'request-1', workHistory: {} }) };
    case 'proof-of-payment':
      return { kind: event.type, receivedAt, body: body({ requestId: 'request-1', totalCfdi: '100.00' }) };
    case 'authentication':
      return {
        kind: event.type,
        receivedAt,
        body: body({ overallStatus: event.outcome === 'succeeded' ? 'PASS' : 'FAIL' }),
      };
    case 'ine-scraping':
      return { kind: event.type, receivedAt, body: { InterviewId: interviewId, ScrapingStatus: event.progress } };
    case 'session-started':
    case 'session-progress':
    case 'session-pending-review':
    case 'session-succeeded':
    case 'session-failed':
    case 'identity-enrolled':
      return { kind: event.type, receivedAt, body: body({}) };
    default:
      if ('requestedAt' in event && event.requestedAt !== undefined) {
        return {
          kind: 'poll',
          interviewId,
          requestedAt: iso(event.requestedAt),
          receivedAt,
          body: { onboardingStatus: event.type as OnboardingStatus },
        };
      }
      return {
        kind: 'onboarding-status',
        receivedAt,
        body: { interviewId, onboardingStatus: event.type as OnboardingStatus, ...distinct },
      };
  }
}

function describeEvent(event: EvidenceEvent): Record<string, unknown> {
  const { at, ...rest } = event;
  const out: Record<string, unknown> = { ...rest, at: iso(at) };
  if ('requestedAt' in event && event.requestedAt !== undefined) out.requestedAt = iso(event.requestedAt);
  return out;
}

/** Replay events through XState itself: the expected state comes from the source of truth. */
function stateAfter(machine: AnyStateMachine, events: readonly EvidenceEvent[]): Record<string, string> {
  let [snapshot] = initialTransition(machine);
  for (const event of events) [snapshot] = transition(machine, snapshot, event);
  return snapshot.value as Record<string, string>;
}

/**
 * A path's events on the vector's clock: one second apart, in path order (a poll sent half a
 * second before its answer), so the core, which reads records in the order received, meets them
 * in the order of the path.
 */
function timed(events: readonly EvidenceEvent[]): EvidenceEvent[] {
  return events.map((event, index) => {
    const at = index + 1;
    return (
      'requestedAt' in event && event.requestedAt !== undefined
        ? { ...event, at, requestedAt: at - 0.5 }
        : { ...event, at }
    ) as EvidenceEvent;
  });
}

/**
 * The paths of a machine as test vectors. Each vector is checked as it is made: its records,
 * folded by the core, must put the machine in the state XState reached, or this throws.
 */
export function machinePaths(name: MachineName, options: PathOptions = {}): PathVector[] {
  const machine = MODELS[name].machine as AnyStateMachine;
  const events = GRAPH_EVENTS[name] as never;
  const found: { reaches: Record<string, string>; events: EvidenceEvent[] }[] = [];
  const stepsOf = (path: { steps: readonly { event: { type: string } }[] }) =>
    path.steps.map((step) => step.event).filter((event) => !event.type.startsWith('xstate.')) as EvidenceEvent[];
  if (options.simple) {
    for (const region of Object.keys(machine.root.states)) {
      const paths = getSimplePaths(machine, {
        events,
        serializeState: (snapshot) => (snapshot.value as Record<string, string>)[region],
      });
      for (const path of paths) {
        found.push({
          reaches: { [region]: (path.state.value as Record<string, string>)[region] as string },
          events: stepsOf(path),
        });
      }
    }
  } else {
    const paths = getShortestPaths(machine, { events, serializeState: (snapshot) => JSON.stringify(snapshot.value) });
    for (const path of paths)
      found.push({ reaches: path.state.value as Record<string, string>, events: stepsOf(path) });
  }
  const max = options.max ?? Number.POSITIVE_INFINITY;
  return found.slice(0, max).map(({ reaches, events: pathEvents }) => {
    const steps = timed(pathEvents);
    const state = stateAfter(machine, steps);
    const seen = new Set<string>();
    const records = steps.map((event, i) => {
      const { at: _at, ...shape } = event;
      const signature = JSON.stringify(shape);
      const repeat = seen.has(signature);
      seen.add(signature);
      return recordOf(event, VECTOR_SESSION, repeat ? `delivery-${i + 1}` : undefined);
    });
    const ledger = new Ledger();
    for (const record of records) ledger.add(record);
    const folded = ledger.state(VECTOR_SESSION) ?? initialSession(VECTOR_SESSION);
    const foldedValue = sessionMachines(folded, flowBits(undefined))[name].value;
    if (JSON.stringify(foldedValue) !== JSON.stringify(state)) {
      throw new Error(
        `the records of the ${name} path to ${JSON.stringify(reaches)} fold to ${JSON.stringify(foldedValue)}, but XState reaches ${JSON.stringify(state)}`,
      );
    }
    const view = viewSession(folded);
    return {
      machine: name,
      reaches,
      events: steps.map(describeEvent),
      records,
      state,
      view: {
        status: view.status,
        decision: view.decision,
        fetchable: view.fetchable,
        pollRequested: view.pollRequested,
        terminal: view.terminal,
        session: view.session,
      },
    };
  });
}
