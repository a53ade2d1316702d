/**
 * Benchmark 1: the core reducer on already-parsed records (a realistic mix of all kinds, out of
 * order, with duplicates), beside XState's own `transition()` applying the same records to the
 * same machines in the same run, and a long-lived XState actor per session.
 *
 * The reducer is what the core does to know where each session's machines stand: each record
 * applied to its session's state in place (`applyInPlace`: copies of a delivery collapse, the
 * order received is kept), then each session's records run through the compiled machines in that
 * order. `transition()` is given the records' events as they come, with no ordering and no
 * duplicates collapsed: it does less. Beside them, a `Ledger` (what `replay` and the service use:
 * sessions packed at rest, correlation ids tied) folding the same records, alone and with every
 * session's full view.
 */
import { type AnyActorRef, type AnyStateMachine, createActor, initialTransition, transition } from 'xstate';
import { MODELS } from '../machines/index.js';
import { replay } from '../src/core/replay.js';
import { applyInPlace, initialSession, type MutableState, thaw } from '../src/core/state.js';
import { Ledger, type ParsedRecord } from '../src/index.js';
import { flowBits } from '../src/vendor/modules.js';
import { machine, medianRate } from './measure.js';
import { parsedWorkload } from './workload.js';

const COUNT = Number(process.env.BENCH_CORE_RECORDS ?? 200_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const records: ParsedRecord[] = parsedWorkload(COUNT);
const machines = Object.values(MODELS).map((model) => model.machine as AnyStateMachine);

const ALL_MODULES = flowBits(undefined);
let sink = 0;

/** Apply every record to its session in place, then run each session's machines to where they stand. */
function reducer(): void {
  const sessions = new Map<string, MutableState>();
  for (const parsed of records) {
    const id = parsed.sessionId as string;
    let session = sessions.get(id);
    if (session === undefined) {
      session = thaw(initialSession(id));
      sessions.set(id, session);
    }
    applyInPlace(session, parsed);
  }
  for (const session of sessions.values()) sink += replay(session, ALL_MODULES, { anomalies: false }).records;
}

/** A ledger's fold: each record into its session, packed at rest. */
function foldOnly(): void {
  const ledger = new Ledger();
  for (const parsed of records) ledger.apply(parsed);
  sink += ledger.size;
}

/** The fold and every session's full view (anomalies with their messages), as `replay` shows them. */
function views(): void {
  const ledger = new Ledger();
  for (const parsed of records) ledger.apply(parsed);
  for (const id of ledger.sessionIds()) sink += ledger.view(id)?.anomalies.length ?? 0;
}

// XState's transition() is slow: measure it on a slice and report its rate.
const SLICE = Math.min(records.length, 20_000);
function xstateTransition(): void {
  const sessions = new Map<string, ReturnType<typeof initialTransition>[0][]>();
  for (let i = 0; i < SLICE; i++) {
    const parsed = records[i];
    if (parsed.event === undefined) continue;
    const id = parsed.sessionId as string;
    const snapshots = sessions.get(id) ?? machines.map((m) => initialTransition(m)[0]);
    for (let m = 0; m < machines.length; m++) snapshots[m] = transition(machines[m], snapshots[m], parsed.event)[0];
    sessions.set(id, snapshots);
  }
}

function xstateActors(): void {
  const sessions = new Map<string, AnyActorRef[]>();
  for (let i = 0; i < SLICE; i++) {
    const parsed = records[i];
    if (parsed.event === undefined) continue;
    const id = parsed.sessionId as string;
    let actors = sessions.get(id);
    if (actors === undefined) {
      actors = machines.map((m) => createActor(m).start());
      sessions.set(id, actors);
    }
    for (const actor of actors) actor.send(parsed.event);
  }
}

const fast = medianRate(records.length, RUNS, reducer);
const fold = medianRate(records.length, RUNS, foldOnly);
const viewed = medianRate(records.length, RUNS, views);
const xs = medianRate(SLICE, RUNS, xstateTransition);
const actors = medianRate(SLICE, RUNS, xstateActors);
const result = {
  bench: 'core',
  records: records.length,
  sessions: new Set(records.map((r) => r.sessionId)).size,
  reducerPerSecond: Math.round(fast.rate),
  foldPerSecond: Math.round(fold.rate),
  viewsPerSecond: Math.round(viewed.rate),
  xstateTransitionPerSecond: Math.round(xs.rate),
  xstateActorPerSecond: Math.round(actors.rate),
  ratioToTransition: fast.rate / xs.rate,
  runs: RUNS,
  sink: sink > 0,
  machine: machine(),
};
console.log(JSON.stringify(result));
