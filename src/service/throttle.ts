/**
 * Slows down guessing: after a few failed attempts from one address, each further failure makes
 * that address wait, twice as long each time, before it may try again. Memory is bounded: the
 * addresses least recently seen are forgotten first.
 */
import { isIP } from 'node:net';

/** Options of a {@link FailureThrottle}. */
export interface ThrottleOptions {
  /** Failures allowed before waits begin. @defaultValue 5 */
  readonly free?: number;
  /** The first wait, in ms; each further failure doubles it. @defaultValue 1000 */
  readonly baseMillis?: number;
  /** The longest wait, in ms; an address not seen for this long starts afresh. @defaultValue 900000 */
  readonly maxMillis?: number;
  /** Addresses remembered at most. @defaultValue 10000 */
  readonly maxAddresses?: number;
  /** The clock, in ms since the epoch. @defaultValue Date.now */
  readonly now?: () => number;
}

interface Entry {
  failures: number;
  /** When the next attempt is allowed (ms since the epoch). */
  until: number;
  seen: number;
}

/**
 * The unit one client is counted in: an IPv4 address, or an IPv6 /64 (one host usually holds a
 * whole /64, and could otherwise try from a new address each time).
 */
export function throttleKey(address: string | undefined): string {
  if (address === undefined) return '(unknown)';
  if (isIP(address) !== 6) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::')
    ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** Counts failures per address and says how long each must wait. */
export class FailureThrottle {
  readonly #entries = new Map<string, Entry>();
  readonly #free: number;
  readonly #base: number;
  readonly #max: number;
  readonly #maxAddresses: number;
  readonly #now: () => number;

  constructor(options: ThrottleOptions = {}) {
    this.#free = options.free ?? 5;
    this.#base = options.baseMillis ?? 1000;
    this.#max = options.maxMillis ?? 15 * 60_000;
    this.#maxAddresses = options.maxAddresses ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  #entry(address: string | undefined): [string, Entry | undefined] {
    const key = throttleKey(address);
    const entry = this.#entries.get(key);
    if (entry !== undefined && this.#now() - entry.seen > this.#max) {
      this.#entries.delete(key);
      return [key, undefined];
    }
    return [key, entry];
  }

  /** Milliseconds the address must still wait before its next attempt (0: it may try now). */
  wait(address: string | undefined): number {
    const [, entry] = this.#entry(address);
    return entry === undefined ? 0 : Math.max(0, entry.until - this.#now());
  }

  /** Count a failed attempt of the address. */
  failed(address: string | undefined): void {
    const [key, found] = this.#entry(address);
    const now = this.#now();
    const entry = found ?? { failures: 0, until: 0, seen: now };
    entry.failures++;
    entry.seen = now;
    const over = entry.failures - this.#free;
    if (over > 0) entry.until = now + Math.min(this.#max, this.#base * 2 ** Math.min(over - 1, 30));
    // Most recently seen last, so the first key is the one to forget.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    if (this.#entries.size > this.#maxAddresses) this.#entries.delete(this.#entries.keys().next().value as string);
  }

  /** A successful attempt: the address starts afresh. */
  succeeded(address: string | undefined): void {
    this.#entries.delete(throttleKey(address));
  }
}
