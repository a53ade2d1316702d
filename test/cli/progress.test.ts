/** The progress line and colour choice: only where a person watches a terminal. */
import { describe, expect, it } from 'vitest';
import { progressLine } from '../../src/cli/progress.js';
import { painter, wantsColour } from '../../src/cli/style.js';

function fakeStream(isTTY: boolean) {
  const written: string[] = [];
  return { stream: { isTTY, write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream, written };
}

describe('progress line', () => {
  it('writes nothing when stderr is not a terminal', () => {
    const { stream, written } = fakeStream(false);
    const progress = progressLine(stream, { delayMs: 0, everyMs: 0 });
    for (let i = 0; i < 5000; i++) progress.tick(() => 3);
    progress.done();
    expect(written).toEqual([]);
  });

  it('on a terminal, redraws one line in place with records, rate and sessions, and erases it at the end', () => {
    const { stream, written } = fakeStream(true);
    const progress = progressLine(stream, { delayMs: 0, everyMs: 0 });
    for (let i = 0; i < 2048; i++) progress.tick(() => 7);
    expect(written).toHaveLength(2);
    const ERASE = '\r\u001b[K';
    expect(written.every((text) => text.startsWith(ERASE))).toBe(true);
    expect(written[0].slice(ERASE.length)).toMatch(/^1,024 records · [\d,]+\/s · 7 sessions$/);
    expect(written[1].slice(ERASE.length)).toMatch(/^2,048 records/);
    expect(written.join('')).not.toContain('\n');
    progress.done();
    expect(written.at(-1)).toBe('\r\u001b[K');
  });

  it('with sessions counted elsewhere (a parallel fold), shows memory too', () => {
    const { stream, written } = fakeStream(true);
    const progress = progressLine(stream, { delayMs: 0, everyMs: 0 });
    progress.update(2_500_000, 310_000);
    expect(written).toHaveLength(1);
    const ERASE = '\r\u001b[K';
    expect(written[0].startsWith(ERASE)).toBe(true);
    expect(written[0].slice(ERASE.length)).toMatch(/^2,500,000 records · [\d,]+\/s · 310,000 sessions · [\d,]+ MB$/);
    progress.done();
  });

  it('stays silent on a terminal while a run is short', () => {
    const { stream, written } = fakeStream(true);
    const progress = progressLine(stream, { delayMs: 60 * 60 * 1000 });
    for (let i = 0; i < 5000; i++) progress.tick(() => 1);
    progress.done();
    expect(written).toEqual([]);
  });
});

describe('colour', () => {
  it('follows the terminal, NO_COLOR always off, FORCE_COLOR on when not a terminal', () => {
    expect(wantsColour({ isTTY: true }, {})).toBe(true);
    expect(wantsColour({ isTTY: false }, {})).toBe(false);
    expect(wantsColour({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(wantsColour({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(wantsColour({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(wantsColour({ isTTY: false }, { FORCE_COLOR: '0' })).toBe(false);
    expect(wantsColour({ isTTY: true }, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(false);
  });

  it('paints with ANSI codes only when enabled', () => {
    expect(painter(false)('ok', 'green')).toBe('ok');
    expect(painter(true)('ok', 'green', 'bold')).toBe('\u001b[32;1mok\u001b[0m');
  });
});
