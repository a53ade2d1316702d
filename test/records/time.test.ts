/** Times as the contract writes them: ISO 8601 with a date, a time and an explicit offset. */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { parseTime } from '../../src/index.js';
import { isoTime } from '../../src/records/time.js';

describe('parseTime', () => {
  it('reads the same instant from every offset, to the millisecond', () => {
    const utc = Date.UTC(2026, 10, 25, 10, 0, 1, 0);
    for (const text of [
      '2026-11-25T10:00:01Z',
      '2026-11-25T10:00:01.000Z',
      '2026-11-25T11:00:01+01:00',
      '2026-11-25T05:30:01-04:30',
      '2026-11-26T00:00:01+14:00',
      '2026-11-25T10:00:01.0004Z',
    ]) {
      expect(parseTime(text), text).toBe(utc);
    }
    expect(parseTime('2026-11-25T10:00:01.9999999Z')).toBe(utc + 999);
    expect(parseTime('2026-11-25T10:00:01.5Z')).toBe(utc + 500);
  });

  it('knows leap years, and refuses a day that does not exist instead of rolling it over', () => {
    expect(parseTime('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
    expect(parseTime('2000-02-29T00:00:00Z')).toBe(Date.UTC(2000, 1, 29));
    for (const text of [
      '2026-02-29T00:00:00Z',
      '1900-02-29T00:00:00Z',
      '2026-02-30T10:00:00Z',
      '2026-04-31T00:00:00Z',
    ]) {
      expect(parseTime(text), text).toBeUndefined();
    }
  });

  it('refuses a time without an offset, a date, or a time of day, and anything else', () => {
    for (const text of [
      '12',
      '',
      '2026-11-25',
      '2026-11-25T10:00:01',
      '2026-11-25 10:00:01Z',
      '2026-11-25t10:00:01z',
      '2026-11-25T10:00Z',
      '2026-11-25T24:00:00Z',
      '2026-11-25T10:60:00Z',
      '2026-11-25T10:00:60Z',
      '2026-13-01T10:00:00Z',
      '2026-11-25T10:00:01+5',
      '2026-11-25T10:00:01+0500',
      '2026-11-25T10:00:01+24:00',
      '+002026-11-25T10:00:01Z',
      'Tue, 25 Nov 2026 10:00:01 GMT',
      `2026-11-25T10:00:01.${'1'.repeat(100)}Z`,
    ]) {
      expect(parseTime(text), text).toBeUndefined();
    }
  });

  it('reads years far apart by arithmetic alone (no Date parsing, no time zone)', () => {
    expect(parseTime('0001-01-01T00:00:00Z')).toBe(new Date('0001-01-01T00:00:00Z').getTime());
    expect(parseTime('1969-12-31T23:59:59.999Z')).toBe(-1);
    expect(parseTime('9999-12-31T23:59:59.999Z')).toBe(new Date('9999-12-31T23:59:59.999Z').getTime());
  });
});

/** The contract's time form as one regular expression: what the hand-written reader must accept. */
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;

/** The reference reading: the regular expression, then the calendar checks `Date` can make. */
function referenceTime(text: string): number | undefined {
  const match = ISO.exec(text);
  if (match === null) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zulu, sign, oh, om] = match;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  if (zulu === undefined && (Number(oh) > 23 || Number(om) > 59)) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  if (date.getUTCFullYear() !== Number(y) || date.getUTCMonth() !== Number(mo) - 1 || date.getUTCDate() !== Number(d))
    return undefined;
  date.setUTCHours(Number(h), Number(mi), Number(s), Number((fraction ?? '0').slice(0, 3).padEnd(3, '0')));
  const offset = zulu === undefined ? (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000 : 0;
  return date.getTime() - offset;
}

describe('parseTime, read character by character', () => {
  // Texts near the form: valid times with one character changed, dropped or added.
  const timeText = fc
    .record({
      ms: fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 }),
      fraction: fc.constantFrom('', '.5', '.123', '.1234567', '.123456789', '.1234567891'),
      offset: fc.constantFrom('Z', '+00:00', '+05:45', '-03:30', '+14:00', '-23:59', '+24:00', '+05:60', 'z', '+0545'),
    })
    .map(({ ms, fraction, offset }) => `${new Date(ms).toISOString().slice(0, 19)}${fraction}${offset}`);
  const mutated = fc
    .tuple(timeText, fc.nat(40), fc.constantFrom('', '0', '9', 'a', ':', '-', '.', 'T', ' ', '٣'), fc.boolean())
    .map(([text, at, c, replace]) => text.slice(0, at) + c + text.slice(at + (replace ? 1 : 0)));

  test.prop([fc.oneof(timeText, mutated, fc.string({ maxLength: 45 }))])(
    'agrees with the regular expression of the form and the calendar',
    (text) => {
      expect(parseTime(text)).toBe(referenceTime(text));
    },
  );
});

describe('isoTime', () => {
  test.prop([fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 })])(
    'writes what Date#toISOString writes, from year 0 to 9999',
    (at) => {
      expect(isoTime(at)).toBe(new Date(at).toISOString());
    },
  );

  it('writes years beyond four digits as Date does', () => {
    for (const at of [253_402_300_800_000, -62_167_219_200_001, 8.64e15])
      expect(isoTime(at)).toBe(new Date(at).toISOString());
  });
});
