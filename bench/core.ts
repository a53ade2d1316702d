/**
 * Benchmark 1: the core reducer on already-parsed records (a realistic mix of all kinds, out of
 * order, with duplicates), beside XState's own `transition()` applying the same records to the
 * same machines in the same run, and a long-lived XState actor per session.
 */
import { type AnyActorRef, type AnyStateMachine, createActor, initialTransition, transition } from 'xstate';
import { MODELS } from '../machines/index.js';
import { applyRecord, initialSession, type ParsedRecord, type SessionState } from '../src/index.js';
import { machine, medianRate } from './measure.js';
import { parsedWorkload } from './workload.js';

const COUNT = Number(process.env.BENCH_CORE_RECORDS ?? 200_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const records: ParsedRecord[] = parsedWorkload(COUNT);
const machines = Object.values(MODELS).map((model) => model.machine as AnyStateMachine);

function reducer(): void {
  const sessions = new Map<string, SessionState>();
  for (const parsed of records) {
    const id = parsed.sessionId as string;
    sessions.set(id, applyRecord(sessions.get(id) ?? initialSession(id), parsed));
  }
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
const xs = medianRate(SLICE, RUNS, xstateTransition);
const actors = medianRate(SLICE, RUNS, xstateActors);
const result = {
  bench: 'core',
  records: records.length,
  sessions: new Set(records.map((r) => r.sessionId)).size,
  reducerPerSecond: Math.round(fast.rate),
  xstateTransitionPerSecond: Math.round(xs.rate),
  xstateActorPerSecond: Math.round(actors.rate),
  ratioToTransition: fast.rate / xs.rate,
  runs: RUNS,
  machine: machine(),
};
console.log(JSON.stringify(result));
