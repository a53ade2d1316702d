/**
 * Evidence kept per delivery, at the earliest time any copy arrived (SPEC law 3). A later copy
 * changes nothing; an earlier copy, met after a later one, moves the time back. Merging is
 * commutative, which is what makes the machines' contexts independent of arrival order.
 *
 * Kept as a short array rather than an object keyed by delivery: a session holds few deliveries
 * of each kind, and copying a short array is far cheaper than copying an object with many keys.
 */
import type { DeliveryKey, Millis } from '../types.js';

/** Evidence of one delivery, with the time of its earliest copy. */
export interface Timed {
  readonly at: Millis;
}

/** Evidence by delivery: at most one item per key. */
export type Keyed<T extends Timed> = readonly (T & { readonly key: DeliveryKey })[];

/** Whether evidence of `key` at `at` adds to `list`: a delivery not seen, or an earlier copy. */
export function addsTo<T extends Timed>(list: Keyed<T>, key: DeliveryKey, at: Millis): boolean {
  for (const item of list) if (item.key === key) return at < item.at;
  return true;
}

/** `list` with `item` for `key`, keeping the earliest copy. Returns `list` itself if unchanged. */
export function keepEarliest<T extends Timed>(list: Keyed<T>, key: DeliveryKey, item: T): Keyed<T> {
  for (let i = 0; i < list.length; i++) {
    if (list[i].key !== key) continue;
    if (item.at >= list[i].at) return list;
    const copy = list.slice();
    copy[i] = { ...item, key };
    return copy;
  }
  return list.concat({ ...item, key });
}

/** The items in a deterministic order (time, then key), whatever order they arrived in. */
export function itemsOf<T extends Timed>(list: Keyed<T>): (T & { readonly key: DeliveryKey })[] {
  return list.slice().sort((a, b) => a.at - b.at || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
