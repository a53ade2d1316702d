/**
 * Colour only where a person reads it: on a terminal, unless NO_COLOR is set (no-color.org).
 * FORCE_COLOR asks for colour when the output is not a terminal (NO_COLOR still wins).
 */

/** Whether to colour what is written to a stream. */
export function wantsColour(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

const CODES = { bold: 1, dim: 2, red: 31, green: 32, yellow: 33, magenta: 35, cyan: 36 } as const;

/** A colour name. */
export type Colour = keyof typeof CODES;

/** Paint text, or leave it plain. */
export type Paint = (text: string, ...colours: Colour[]) => string;

/** A painter: ANSI colours when `enabled`, plain text otherwise. */
export function painter(enabled: boolean): Paint {
  if (!enabled) return (text) => text;
  return (text, ...colours) =>
    colours.length === 0 ? text : `\u001b[${colours.map((colour) => CODES[colour]).join(';')}m${text}\u001b[0m`;
}

/**
 * The width a table may take: the terminal's, or `COLUMNS` when output is piped and it is set
 * (as shells and `less` set it); `undefined` (no limit) otherwise.
 */
export function outputWidth(stream: { isTTY?: boolean; columns?: number }, env: NodeJS.ProcessEnv = process.env) {
  if (stream.isTTY && stream.columns) return stream.columns;
  const columns = Number(env.COLUMNS);
  return Number.isInteger(columns) && columns > 0 ? columns : undefined;
}
