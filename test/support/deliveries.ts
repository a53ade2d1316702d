/**
 * Deliveries as the vendor posts them to several instances: realistic histories of many sessions
 * (every webhook kind, late, retried, invalid, correlated), shuffled and dealt to instances, some
 * copies to more than one; and a pool that posts them with bounded concurrency.
 */
import fc from 'fast-check';
import type { RawDeliveryRecord as DeliveryRecord } from '../../src/records/record.js';
import { WEBHOOK_KINDS } from '../../src/vendor/kinds.js';
import { EVERY_KIND } from '../service/support.js';
import { historyArb } from './histories.js';

/** A delivery as the vendor posts it: the URL's kind and the body. */
export interface Delivery {
  readonly kind: string;
  readonly body: unknown;
}

/**
 * Realistic histories (late, retried, invalid, unknown statuses, correlated records), sessions
 * renamed apart, plus one session with a body of every kind. Polls are the service's own
 * observations and unknown kinds have no URL: neither can be posted, so they are left out.
 */
export function deliveries(histories = 12, seed = 20261125): Delivery[] {
  const kinds: ReadonlySet<string> = new Set(WEBHOOK_KINDS);
  const sampled = fc.sample(historyArb, { numRuns: histories, seed });
  const fromHistories = sampled.flatMap((history, i) =>
    history.records
      .filter((record) => kinds.has(record.kind))
      .map((record) => {
        const renamed = JSON.parse(JSON.stringify(record).replace(/"s(\d+)(-r|-who|-wl)?"/g, `"h${i}-s$1$2"`));
        return { kind: record.kind, body: (renamed as DeliveryRecord).body };
      }),
  );
  const everyKind = EVERY_KIND.map(([kind, body]) => ({
    kind,
    body: JSON.parse(JSON.stringify(body).replaceAll('"a1"', '"all-kinds"')) as unknown,
  }));
  return [...fromHistories, ...everyKind];
}

/** Where each delivery goes: instance 0, 1, or both (a retry that reaches both). */
export interface Post extends Delivery {
  readonly instance: 0 | 1;
}

/** The deliveries shuffled (seeded) and dealt to two instances, a fifth of them to both. */
export function dealt(all: readonly Delivery[]): Post[] {
  const [shuffled] = fc.sample(fc.shuffledSubarray([...all], { minLength: all.length }), { numRuns: 1, seed: 7 });
  const [targets] = fc.sample(
    fc.array(fc.constantFrom<'a' | 'b' | 'both'>('a', 'a', 'b', 'b', 'both'), {
      minLength: shuffled.length,
      maxLength: shuffled.length,
    }),
    { numRuns: 1, seed: 11 },
  );
  return shuffled.flatMap((delivery, i): Post[] => {
    const target = targets[i];
    if (target === 'a') return [{ ...delivery, instance: 0 }];
    if (target === 'b') return [{ ...delivery, instance: 1 }];
    return [
      { ...delivery, instance: 0 },
      { ...delivery, instance: 1 },
    ];
  });
}

/** Run `work` over `items` with at most `limit` in flight. */
export async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
