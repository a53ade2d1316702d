/**
 * Evidence kept per delivery, at the earliest time any copy arrived (SPEC law 3). A later copy
 * changes nothing; an earlier copy, met after a later one, moves the time back. Merging is
 * commutative, which is what makes the machines' contexts independent of arrival order.
 */
import type { DeliveryKey, Millis } from '../types.js';

/** Evidence of one delivery, with the time of its earliest copy. */
export interface Timed {
  readonly at: Millis;
}

/** Evidence by delivery. */
export type Keyed<T extends Timed> = Readonly<Record<DeliveryKey, T>>;

/** Whether `item` adds to `map`: a delivery not seen, or an earlier copy of one. */
export function addsTo<T extends Timed>(map: Keyed<T>, key: DeliveryKey, at: Millis): boolean {
  const known = map[key];
  return known === undefined || at < known.at;
}

/** `map` with `item` for `key`, keeping the earliest copy. Returns `map` itself if unchanged. */
export function keepEarliest<T extends Timed>(map: Keyed<T>, key: DeliveryKey, item: T): Keyed<T> {
  return addsTo(map, key, item.at) ? { ...map, [key]: item } : map;
}

/** The items of a keyed map, in a deterministic order (time, then key). */
export function itemsOf<T extends Timed>(map: Keyed<T>): T[] {
  return Object.entries(map)
    .sort(([ka, a], [kb, b]) => a.at - b.at || (ka < kb ? -1 : ka > kb ? 1 : 0))
    .map(([, item]) => item as T);
}
