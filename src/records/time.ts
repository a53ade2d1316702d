/**
 * Times as the contract writes them: ISO 8601 with a date, a time and an explicit offset (`Z` or
 * `±hh:mm`), fractions of a second optional. Read by arithmetic alone, never by `Date.parse`, so
 * the answer cannot depend on the time zone of the machine reading it, and a day that does not
 * exist (`2026-02-30`) is refused instead of rolled over.
 */
import type { Millis } from '../types.js';

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;

/** What a record's time must look like, for messages. */
export const TIME_FORMAT = 'an ISO 8601 time with a date, a time and an offset (2026-11-25T10:00:01Z or …+01:00)';

const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days from 1970-01-01 to a civil date (proleptic Gregorian; Howard Hinnant's algorithm). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/**
 * Milliseconds since the epoch of a contract time, or `undefined` when the text is not one (no
 * offset, a day that does not exist, an hour 24, …). Digits beyond the millisecond are dropped.
 */
export function parseTime(text: string): Millis | undefined {
  if (text.length > 40) return undefined;
  const match = ISO.exec(text);
  if (match === null) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const hour = Number(match[4]);
  const minute = Number(match[5]);
  const second = Number(match[6]);
  if (month < 1 || month > 12 || day < 1) return undefined;
  if (day > (month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1])) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const millis = match[7] === undefined ? 0 : Number(match[7].slice(0, 3).padEnd(3, '0'));
  let offset = 0;
  if (match[8] === undefined) {
    const hours = Number(match[10]);
    const minutes = Number(match[11]);
    if (hours > 23 || minutes > 59) return undefined;
    offset = (match[9] === '-' ? -1 : 1) * (hours * 60 + minutes) * 60_000;
  }
  return daysFromCivil(year, month, day) * 86_400_000 + ((hour * 60 + minute) * 60 + second) * 1000 + millis - offset;
}

/** A time as `YYYY-MM-DDTHH:mm:ss.sssZ` (the form anomalies and views report times in). */
export const isoTime = (at: Millis): string => new Date(at).toISOString();
