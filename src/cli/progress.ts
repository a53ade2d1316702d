/**
 * A progress line for long runs: records read, rate, sessions. Only on a terminal (stderr), only
 * once a run has taken a while, redrawn in place and erased at the end: piped output never sees it.
 */

/** The progress of a fold. */
export interface Progress {
  /** Note one more record; cheap enough to call per line. */
  tick(sessions: () => number): void;
  /** Note the records read and the sessions folded so far (redrawn now and then). */
  update(records: number, sessions: number): void;
  /** Erase the line. */
  done(): void;
}

const QUIET: Progress = { tick() {}, update() {}, done() {} };

/** A progress line on `stream` when it is a terminal, shown after `delayMs` of work. */
export function progressLine(
  stream: NodeJS.WriteStream = process.stderr,
  { delayMs = 1000, everyMs = 250 }: { delayMs?: number; everyMs?: number } = {},
): Progress {
  if (!stream.isTTY) return QUIET;
  const started = Date.now();
  let records = 0;
  let next = started + delayMs;
  let shown = false;
  const number = new Intl.NumberFormat('en-US');
  const draw = (count: number, sessions: number, memory: boolean) => {
    const now = Date.now();
    if (now < next) return;
    next = now + everyMs;
    const rate = Math.round(count / Math.max(0.001, (now - started) / 1000));
    const used = memory ? ` · ${number.format(Math.round(process.memoryUsage.rss() / 2 ** 20))} MB` : '';
    stream.write(
      `\r\u001b[K${number.format(count)} records · ${number.format(rate)}/s · ${number.format(sessions)} sessions${used}`,
    );
    shown = true;
  };
  return {
    tick(sessions) {
      records++;
      // Read the clock once every 1024 records: the per-line cost stays negligible.
      if ((records & 1023) !== 0) return;
      draw(records, sessions(), false);
    },
    update(count, sessions) {
      draw(count, sessions, true);
    },
    done() {
      if (shown) stream.write('\r\u001b[K');
    },
  };
}
