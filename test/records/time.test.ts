/** Times as the contract writes them: ISO 8601 with a date, a time and an explicit offset. */
import { describe, expect, it } from 'vitest';
import { parseTime } from '../../src/index.js';

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
