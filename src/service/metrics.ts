/**
 * The service's metrics in the Prometheus text format: deliveries by kind and outcome, anomalies
 * by code, acknowledgement and commit latency, commit group size. Counted in memory, per process.
 */

class Histogram {
  readonly #bounds: readonly number[];
  readonly #counts: number[];
  #sum = 0;
  #count = 0;

  constructor(bounds: readonly number[]) {
    this.#bounds = bounds;
    this.#counts = bounds.map(() => 0);
  }

  observe(value: number): void {
    this.#sum += value;
    this.#count++;
    this.#bounds.forEach((bound, i) => {
      if (value <= bound) this.#counts[i] = (this.#counts[i] as number) + 1;
    });
  }

  lines(name: string): string[] {
    return [
      ...this.#bounds.map((bound, i) => `${name}_bucket{le="${bound}"} ${this.#counts[i]}`),
      `${name}_bucket{le="+Inf"} ${this.#count}`,
      `${name}_sum ${this.#sum}`,
      `${name}_count ${this.#count}`,
    ];
  }
}

const SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const SIZES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

const label = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** The outcome of one webhook delivery, as counted. */
export type DeliveryOutcome =
  | 'stored'
  | 'stored-invalid'
  | 'unauthorized'
  | 'not-json'
  | 'too-large'
  | 'incomplete'
  | 'unknown-kind'
  | 'store-failed';

/** Counters and histograms of one service process. */
export class ServiceMetrics {
  readonly #deliveries = new Map<string, number>();
  readonly #anomalies = new Map<string, number>();
  readonly #ack = new Histogram(SECONDS);
  readonly #commit = new Histogram(SECONDS);
  readonly #group = new Histogram(SIZES);
  #streams = 0;
  #storeUp = true;
  #views: { complete: boolean; running: boolean; progress?: { done: number; total: number } } = {
    complete: true,
    running: false,
  };

  /** Count a webhook delivery by its kind (as the URL named it) and outcome. */
  delivery(kind: string, outcome: DeliveryOutcome): void {
    const key = `kind="${label(kind)}",outcome="${outcome}"`;
    this.#deliveries.set(key, (this.#deliveries.get(key) ?? 0) + 1);
  }

  /** Count anomalies a delivery brought (`count` of one code). */
  anomaly(code: string, count = 1): void {
    this.#anomalies.set(code, (this.#anomalies.get(code) ?? 0) + count);
  }

  /** Time from a delivery's arrival to its durable commit (what the vendor waits for). */
  acknowledged(seconds: number): void {
    this.#ack.observe(seconds);
  }

  /** One store commit: how many records it carried and how long it took. A store reports it. */
  commit(records: number, millis: number): void {
    this.#group.observe(records);
    this.#commit.observe(millis / 1000);
  }

  /** An event stream opened (+1) or closed (-1). */
  stream(delta: 1 | -1): void {
    this.#streams += delta;
  }

  /** Whether the latest store call succeeded. */
  storeUp(up: boolean): void {
    this.#storeUp = up;
  }

  /** Whether the store's views are current, and how far a rebuild is. */
  views(state: { complete: boolean; running: boolean; progress?: { done: number; total: number } }): void {
    this.#views = state;
  }

  /** The text exposition format (version 0.0.4). */
  render(): string {
    const lines: string[] = [
      '# HELP onboarding_deliveries_total Webhook deliveries received, by kind and outcome.',
      '# TYPE onboarding_deliveries_total counter',
      ...[...this.#deliveries].sort().map(([key, n]) => `onboarding_deliveries_total{${key}} ${n}`),
      '# HELP onboarding_anomalies_total Anomalies the core reported for the deliveries received, by code.',
      '# TYPE onboarding_anomalies_total counter',
      ...[...this.#anomalies].sort().map(([code, n]) => `onboarding_anomalies_total{code="${label(code)}"} ${n}`),
      '# HELP onboarding_ack_seconds From a delivery read to its durable commit.',
      '# TYPE onboarding_ack_seconds histogram',
      ...this.#ack.lines('onboarding_ack_seconds'),
      '# HELP onboarding_commit_seconds Duration of one store commit.',
      '# TYPE onboarding_commit_seconds histogram',
      ...this.#commit.lines('onboarding_commit_seconds'),
      '# HELP onboarding_commit_group_size Records per store commit (group commit).',
      '# TYPE onboarding_commit_group_size histogram',
      ...this.#group.lines('onboarding_commit_group_size'),
      '# HELP onboarding_event_streams Open /events streams.',
      '# TYPE onboarding_event_streams gauge',
      `onboarding_event_streams ${this.#streams}`,
      '# HELP onboarding_store_up Whether the latest store call succeeded (1) or failed (0).',
      '# TYPE onboarding_store_up gauge',
      `onboarding_store_up ${this.#storeUp ? 1 : 0}`,
      '# HELP onboarding_views_current Whether every stored session view is of this version (1), or a rebuild is due (0).',
      '# TYPE onboarding_views_current gauge',
      `onboarding_views_current ${this.#views.complete ? 1 : 0}`,
      '# HELP onboarding_views_rebuilt_sessions Sessions a rebuild under way has looked at, of onboarding_views_rebuild_sessions.',
      '# TYPE onboarding_views_rebuilt_sessions gauge',
      `onboarding_views_rebuilt_sessions ${this.#views.progress?.done ?? 0}`,
      '# HELP onboarding_views_rebuild_sessions Sessions in the store when the rebuild began.',
      '# TYPE onboarding_views_rebuild_sessions gauge',
      `onboarding_views_rebuild_sessions ${this.#views.progress?.total ?? 0}`,
    ];
    return `${lines.join('\n')}\n`;
  }
}
