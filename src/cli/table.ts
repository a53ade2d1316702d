/**
 * Tables for people: columns padded on the plain text (so colours do not shift them), and the
 * wide columns wrapped at their spaces when the whole would not fit the terminal.
 */
import type { Colour, Paint } from './style.js';

/** A cell: its text and how to colour it. */
export type Cell = readonly [text: string, colours: readonly Colour[]];

/** Break text at its spaces into lines of at most `width` characters (a longer word is cut). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const item of text.split(' ')) {
    const candidate = line === '' ? item : `${line} ${item}`;
    if (candidate.length <= width) line = candidate;
    else {
      if (line !== '') lines.push(line);
      line = item;
      while (line.length > width) {
        lines.push(line.slice(0, width));
        line = line.slice(width);
      }
    }
  }
  lines.push(line);
  return lines;
}

/**
 * Lay out a table: a header and rows of cells, two spaces between columns. With a `width`, the
 * `flexible` columns (indices, the first served first) share what the others leave, each wrapped to its share.
 */
export function layout(
  header: readonly string[],
  rows: readonly (readonly Cell[])[],
  paint: Paint,
  { width, flexible = [] }: { width?: number; flexible?: readonly number[] } = {},
): string[] {
  const natural = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.[0].length ?? 0)),
  );
  const widths = [...natural];
  const total = natural.reduce((sum, w) => sum + w, 0) + 2 * (natural.length - 1);
  if (width !== undefined && total > width && flexible.length > 0) {
    const fixed = total - flexible.reduce((sum, column) => sum + (natural[column] as number), 0);
    const room = Math.max(width - fixed, 0);
    // Each flexible column needs its longest word; what is left goes to them in order, up to their natural width.
    const least = flexible.map((column) =>
      Math.max(
        header[column]?.length ?? 0,
        ...rows.flatMap((row) => (row[column]?.[0] ?? '').split(' ').map((w) => w.length)),
      ),
    );
    let left = room - least.reduce((sum, w) => sum + w, 0);
    let rest = room;
    flexible.forEach((column, i) => {
      if (left < 0) {
        // Too narrow for even the longest words: the first columns keep theirs while they can, and words are cut.
        const after = (flexible.length - i - 1) * 4;
        widths[column] = Math.max(Math.min(least[i] as number, rest - after), 4);
        rest -= widths[column] as number;
        return;
      }
      const extra = Math.min((natural[column] as number) - (least[i] as number), left);
      widths[column] = (least[i] as number) + extra;
      left -= extra;
    });
  }
  const line = (cells: readonly Cell[]) => {
    const parts = cells.map(([text], column) =>
      flexible.includes(column) ? wrap(text, widths[column] as number) : [text],
    );
    const height = Math.max(...parts.map((part) => part.length));
    return Array.from({ length: height }, (_, i) =>
      cells
        .map(([, colours], column) => {
          const text = parts[column]?.[i] ?? '';
          const padded = column === cells.length - 1 ? text : text.padEnd(widths[column] as number);
          return text === '' ? padded : paint(padded, ...colours);
        })
        .join('  ')
        .trimEnd(),
    );
  };
  return [...line(header.map((title) => [title, ['bold']])), ...rows.flatMap(line)];
}
