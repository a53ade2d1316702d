/**
 * The fake vendor: generates sessions from a seed, serves their status (`VendorApi`), and
 * delivers their webhooks to a target the way the vendor does: late, reordered, duplicated,
 * retried, sometimes invalid. What it generated is the ground truth a run is checked against.
 */
import { Deliverer, type DeliveryAuth, retryDelaySeconds, VENDOR_RETRY } from './deliver.js';
import { Random } from './random.js';
import { generateSession, SCENARIOS, type ScenarioName, type SessionTruth, type SimSession } from './scenarios.js';
import { VendorApi } from './vendor.js';

/** Options of a simulation. */
export interface SimulatorOptions {
  /** The seed: the same seed generates the same sessions and deliveries. @defaultValue 1 */
  readonly seed?: number;
  /** How many sessions. @defaultValue 20 */
  readonly sessions?: number;
  /** New sessions per second (real time). @defaultValue 2 */
  readonly rate?: number;
  /** 0 (a well-behaved vendor) to 1 (much reordering, duplicates, invalid bodies, faults). @defaultValue 0.3 */
  readonly chaos?: number;
  /** Real seconds per vendor second: 0.01 runs the vendor's 30 s retry delay in 0.3 s. @defaultValue 0.05 */
  readonly timeScale?: number;
  /** The webhook receiver's base URL; deliveries go to `{target}/webhooks/{kind}`. */
  readonly target: string;
  readonly auth?: DeliveryAuth;
  /** Only these flows (all of them by default; the first sessions take each in turn). */
  readonly scenarios?: readonly ScenarioName[];
  /** The vendor API's key and login. */
  readonly apiKey?: string;
  readonly fetch?: typeof fetch;
  /** Progress messages. */
  readonly log?: (message: string) => void;
}

/** What the deliveries did. */
export interface DeliveryStats {
  /** Deliveries of the vendor's real evidence (one per webhook, plus duplicates). */
  deliveries: number;
  /** Extra copies of a delivery sent on their own (besides retries). */
  duplicates: number;
  /** Junk deliveries with an invalid body. */
  invalid: number;
  attempts: number;
  retries: number;
  /** Attempts the target accepted but the vendor treated as failed (a lost answer): a retry follows. */
  lostAnswers: number;
  /** Real deliveries that failed all attempts: their evidence never reached the target. */
  exhausted: number;
  /** Junk deliveries that failed all attempts (a body that is not JSON gets `400`, every time). */
  junkExhausted: number;
}

/** The ground truth file: what every session must look like once deliveries settle. */
export interface SimulationTruth {
  readonly seed: number;
  readonly chaos: number;
  readonly timeScale: number;
  readonly sessions: readonly SessionTruth[];
  readonly deliveries?: DeliveryStats;
}

/** One delivery attempt: when it was planned (real ms) and what came of it. */
export interface AttemptRecord {
  /** Which planned delivery (its retries share it). */
  readonly delivery: number;
  readonly interviewId: string;
  readonly kind: string;
  readonly junk: boolean;
  /** 1 for the first delivery, then each retry. */
  readonly attempt: number;
  readonly plannedAt: number;
  /** When its answer (or failure) came back. */
  readonly answeredAt: number;
  readonly result: 'accepted' | 'rejected' | 'failed' | 'answer-lost';
}

interface PlannedDelivery {
  readonly interviewId: string;
  readonly kind: string;
  readonly body: string;
  /** Vendor seconds after the session started. */
  readonly at: number;
  readonly junk: boolean;
  /** How many accepted attempts the vendor will not hear the answer of. */
  readonly lostAnswers: number;
}

/** A body that is invalid for its kind, or not JSON at all. */
function junkOf(kind: string, body: Readonly<Record<string, unknown>>, random: Random): string {
  if (kind === 'onboarding-status' && random.chance(0.6)) {
    return JSON.stringify({ ...body, onboardingStatus: random.pick([42, '', 'ID_CAPTURE_STARTED']) });
  }
  return JSON.stringify(body).slice(0, -3);
}

/** A seeded fake vendor. */
export class Simulator {
  readonly sessions: readonly SimSession[];
  readonly vendor: VendorApi;
  readonly stats: DeliveryStats = {
    deliveries: 0,
    duplicates: 0,
    invalid: 0,
    attempts: 0,
    retries: 0,
    lostAnswers: 0,
    exhausted: 0,
    junkExhausted: 0,
  };
  /** Every attempt made, in the order they were answered. */
  readonly attempts: AttemptRecord[] = [];
  readonly #options: SimulatorOptions;
  readonly #plans: readonly PlannedDelivery[];
  readonly #deliverer: Deliverer;
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #stopped = false;

  constructor(options: SimulatorOptions) {
    this.#options = options;
    const seed = options.seed ?? 1;
    const chaos = Math.min(1, Math.max(0, options.chaos ?? 0.3));
    const random = new Random(seed);
    const scenarios = options.scenarios ?? SCENARIOS;
    const count = options.sessions ?? 20;
    const sessions: SimSession[] = [];
    const plans: PlannedDelivery[] = [];
    for (let i = 0; i < count; i++) {
      const scenario = i < scenarios.length ? (scenarios[i] as ScenarioName) : random.pick(scenarios);
      const interviewId = `sim-${seed}-${String(i).padStart(4, '0')}`;
      const own = random.fork();
      const session = generateSession(scenario, interviewId, own);
      sessions.push(session);
      for (const event of session.events) {
        const body = JSON.stringify(event.body);
        // Most deliveries land within seconds; with chaos some take minutes, and overtake others.
        const delay = own.between(1, 5) + (own.chance(0.5 * chaos) ? own.between(0, 120) : 0);
        const lost = () => (own.chance(0.3 * chaos) ? own.int(1, 2) : 0);
        plans.push({ interviewId, kind: event.kind, body, at: event.at + delay, junk: false, lostAnswers: lost() });
        if (own.chance(0.3 * chaos)) {
          const at = event.at + delay + own.between(1, 200);
          plans.push({ interviewId, kind: event.kind, body, at, junk: false, lostAnswers: lost() });
          this.stats.duplicates++;
        }
        if (own.chance(0.15 * chaos)) {
          const junk = junkOf(event.kind, event.body, own);
          plans.push({
            interviewId,
            kind: event.kind,
            body: junk,
            at: event.at + own.between(1, 60),
            junk: true,
            lostAnswers: 0,
          });
          this.stats.invalid++;
        }
      }
    }
    this.sessions = sessions;
    this.#plans = plans;
    this.stats.deliveries = plans.filter((plan) => !plan.junk).length;
    this.vendor = new VendorApi({
      apiKey: options.apiKey,
      timeScale: this.timeScale,
      random: random.fork(),
      faults: { serverError: 0.15 * chaos, rateLimited: 0.1 * chaos, timeout: 0.03 * chaos },
      latencyMillis: [2, 40],
    });
    this.#deliverer = new Deliverer(options.target, options.auth ?? { kind: 'none' }, { fetch: options.fetch });
  }

  /** Real seconds per vendor second. */
  get timeScale(): number {
    return this.#options.timeScale ?? 0.05;
  }

  /** The ground truth of every session, with what the deliveries did so far. */
  truth(): SimulationTruth {
    return {
      seed: this.#options.seed ?? 1,
      chaos: this.#options.chaos ?? 0.3,
      timeScale: this.timeScale,
      sessions: this.sessions.map((session) => session.truth),
      deliveries: { ...this.stats },
    };
  }

  /** Token requests the deliveries made to the target's OAuth2 endpoint. */
  get tokenFetches(): number {
    return this.#deliverer.tokenFetches;
  }

  #later(millis: number, run: () => void): void {
    if (this.#stopped) return;
    const timer = setTimeout(
      () => {
        this.#timers.delete(timer);
        if (!this.#stopped) run();
      },
      Math.max(0, millis),
    );
    this.#timers.add(timer);
  }

  /** Start the sessions now and deliver everything; resolves once every delivery succeeded or gave up. */
  run(): Promise<DeliveryStats> {
    const origin = Date.now();
    const rate = this.#options.rate ?? 2;
    const scale = this.timeScale * 1000;
    const startOf = new Map<string, number>();
    this.sessions.forEach((session, i) => {
      const startAt = origin + (i * 1000) / rate;
      startOf.set(session.interviewId, startAt);
      this.vendor.add(session, startAt);
    });
    let pending = this.#plans.length;
    return new Promise<DeliveryStats>((resolve) => {
      if (pending === 0) resolve(this.stats);
      const done = () => {
        pending--;
        if (pending === 0) {
          this.#options.log?.(
            `deliveries settled: ${this.stats.deliveries} deliveries, ${this.stats.attempts} attempts, ${this.stats.retries} retries`,
          );
          resolve(this.stats);
        }
      };
      this.#plans.forEach((plan, delivery) => {
        const deliver = (attempt: number, plannedAt: number) => {
          this.stats.attempts++;
          this.#deliverer.attempt(plan.kind, plan.body).then((result) => {
            const answeredAt = Date.now();
            let ok = result === 'accepted';
            const lost = ok && attempt <= plan.lostAnswers && attempt <= VENDOR_RETRY.retries;
            if (lost) {
              ok = false;
              this.stats.lostAnswers++;
            }
            const { interviewId, kind, junk } = plan;
            this.attempts.push({
              delivery,
              interviewId,
              kind,
              junk,
              attempt,
              plannedAt,
              answeredAt,
              result: lost ? 'answer-lost' : result,
            });
            if (ok) return done();
            if (attempt > VENDOR_RETRY.retries) {
              if (plan.junk) this.stats.junkExhausted++;
              else this.stats.exhausted++;
              return done();
            }
            this.stats.retries++;
            // The vendor waits from the moment it gave up on this attempt.
            const retryAt = answeredAt + retryDelaySeconds(attempt) * scale;
            this.#later(retryAt - Date.now(), () => deliver(attempt + 1, retryAt));
          });
        };
        const startAt = startOf.get(plan.interviewId) as number;
        const firstAt = startAt + plan.at * scale;
        this.#later(firstAt - Date.now(), () => deliver(1, firstAt));
      });
    });
  }

  /** Cancel every delivery not yet made. */
  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}
