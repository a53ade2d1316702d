/**
 * Times as the contract writes them: ISO 8601 with a date, a time and an explicit offset (`Z` or
 * `±hh:mm`), fractions of a second optional. Read by arithmetic alone, never by `Date.parse`, so
 * the answer cannot depend on the time zone of the machine reading it, and a day that does not
 * exist (`2026-02-30`) is refused instead of rolled over.
 */
import type { Millis } from '../types.js';

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

/** The value of `length` decimal digits of `text` from `at`, or -1 if one is not a digit. */
function digits(text: string, at: number, length: number): number {
  let value = 0;
  for (let i = at; i < at + length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/** Whether `text` has the character `c` (a code) at `at`. */
const has = (text: string, at: number, c: number) => text.charCodeAt(at) === c;

const DASH = 45;
const COLON = 58;
const DOT = 46;
const PLUS = 43;
const T = 84;
const Z = 90;

/**
 * Milliseconds since the epoch of a contract time, or `undefined` when the text is not one (no
 * offset, a day that does not exist, an hour 24, …). Digits beyond the millisecond are dropped.
 * Read character by character (every log line has one or two times): the form is
 * `YYYY-MM-DDTHH:mm:ss[.f{1,9}](Z|±hh:mm)`, digits ASCII only.
 */
export function parseTime(text: string): Millis | undefined {
  const length = text.length;
  if (length < 20 || length > 40) return undefined;
  if (!has(text, 4, DASH) || !has(text, 7, DASH) || !has(text, 10, T) || !has(text, 13, COLON) || !has(text, 16, COLON))
    return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return undefined;
  let at = 19;
  let millis = 0;
  if (has(text, at, DOT)) {
    let count = 0;
    for (at++; count < 9 && at < length; at++, count++) {
      const d = text.charCodeAt(at) - 48;
      if (d < 0 || d > 9) break;
      if (count < 3) millis = millis * 10 + d;
    }
    if (count === 0) return undefined;
    for (let pad = count; pad < 3; pad++) millis *= 10;
  }
  let offset = 0;
  if (has(text, at, Z)) {
    if (at + 1 !== length) return undefined;
  } else {
    const sign = text.charCodeAt(at);
    if ((sign !== PLUS && sign !== DASH) || at + 6 !== length || !has(text, at + 3, COLON)) return undefined;
    const hours = digits(text, at + 1, 2);
    const minutes = digits(text, at + 4, 2);
    if (hours < 0 || minutes < 0 || hours > 23 || minutes > 59) return undefined;
    offset = (sign === DASH ? -1 : 1) * (hours * 60 + minutes) * 60_000;
  }
  if (month < 1 || month > 12 || day < 1) return undefined;
  if (day > (month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1])) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  return daysFromCivil(year, month, day) * 86_400_000 + ((hour * 60 + minute) * 60 + second) * 1000 + millis - offset;
}

/** The civil date (year, month, day) of a day number since 1970-01-01 (Howard Hinnant's algorithm). */
function civilFromDays(days: number): [year: number, month: number, day: number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const m = Math.floor((5 * dayOfYear + 2) / 153);
  const month = m < 10 ? m + 3 : m - 9;
  return [yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, dayOfYear - Math.floor((153 * m + 2) / 5) + 1];
}

const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);
// The date part of the last time written: the times of one session are mostly on one day.
let lastDay = Number.NaN;
let lastDate = '';

/**
 * A time as `YYYY-MM-DDTHH:mm:ss.sssZ` (the form anomalies and views report times in), as
 * `Date#toISOString` writes it, by arithmetic (a view writes several times per record).
 */
export function isoTime(at: Millis): string {
  const days = Math.floor(at / 86_400_000);
  if (days !== lastDay) {
    const [year, month, day] = civilFromDays(days);
    if (!Number.isInteger(at) || year < 0 || year > 9999) return new Date(at).toISOString();
    lastDay = days;
    lastDate = `${String(year).padStart(4, '0')}-${two(month)}-${two(day)}T`;
  }
  let rest = at - days * 86_400_000;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  rest -= seconds * 1000;
  return `${lastDate}${two(hours)}:${two(minutes)}:${two(seconds)}.${rest < 10 ? `00${rest}` : rest < 100 ? `0${rest}` : rest}Z`;
}
