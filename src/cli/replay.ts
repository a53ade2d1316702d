/**
 * `replay`: fold logs into one view per session, as a table for people or JSON for programs.
 * A face over the core: every decision is the ledger's. Exits 1 when errors remain in the input,
 * counted as the table counts them.
 */
import type { Anomaly, SessionView } from '../types.js';
import { countAnomalies } from './findings.js';
import { readFlow } from './flow.js';
import { foldInParallel, type Piece, textOf } from './fold/fold.js';
import { FOLD_HELP, FOLD_OPTIONS, readJobs, readSize } from './fold/options.js';
import { warnEmpty } from './input.js';
import { sink } from './sink.js';
import { type Colour, outputWidth, type Paint, painter, wantsColour } from './style.js';
import { type Cell, layout } from './table.js';
import { type Command, EXIT, parse, UsageError } from './usage.js';

const USAGE = `Usage: onboarding-status replay FILE... [--json] [--session ID]... [--flow FLOW.json]
                                  [--jobs N] [--max-memory SIZE] [--progress]

Fold JSON Lines logs of delivery records into one view per session: where it stands
(status), what was decided (decision), what may be fetched now (fetchable), and how many
anomalies its deliveries had. FILE - reads stdin. The record and the view are described in
docs/spec.md (#the-delivery-record, #the-session-view), shipped with the package.

Options:
  --json           print {"sessions":[...],"anomalies":[...]}; "anomalies" holds the records
                   that belong to no session
  --session ID     only this session (repeatable)
  --flow FILE      a flow configuration, {"modules":["id","face",...]}: narrows what
                   ONBOARDING_FINISHED makes fetchable
${FOLD_HELP}
  -h, --help       show this help

Exit status:
  0  no errors remain in the shown sessions (warnings are shown, but pass)
  1  errors remain (invalid payloads, unknown kinds or statuses, records of no session, a
     conflicting decision no later poll settled), or a --session the logs never mention
  2  the command line is wrong, or a FILE cannot be read or is not a JSON Lines log

The table fits the terminal (or COLUMNS), coloured on a terminal only (NO_COLOR turns colour
off, FORCE_COLOR on). In FETCHABLE, a * marks data that is still preliminary.

Examples:
  onboarding-status replay examples/out-of-order.jsonl
  onboarding-status replay examples/every-kind.jsonl --json | jq '.sessions[0].fetchable'
  cat logs/*.jsonl | onboarding-status replay - --session a1 --flow flow.json
`;

/** Write `{"sessions":[…],"anomalies":[…]}` (the core's `LedgerSnapshot`) view by view. */
async function writeSnapshotJson(views: AsyncIterable<Piece>, orphans: readonly Anomaly[]): Promise<number> {
  const out = sink();
  await out.write('{"sessions":[');
  let first = true;
  let errors = 0;
  for await (const view of views) {
    if (!first) await out.write(',');
    await out.write(view.bytes);
    errors += view.errors;
    first = false;
  }
  await out.write(`],"anomalies":${JSON.stringify(orphans)}}\n`);
  await out.end();
  return errors;
}

const DECISION_COLOURS: Record<SessionView['decision'], Colour[]> = {
  none: ['dim'],
  'pending-review': ['yellow'],
  approved: ['green'],
  rejected: ['red'],
  conflict: ['magenta', 'bold'],
};

const HEADER = ['SESSION', 'STATUS', 'DECISION', 'FETCHABLE', 'ANOMALIES'];

/** The table of session views; with a `width`, FETCHABLE and ANOMALIES wrap to fit it. */
export function renderTable(views: Iterable<SessionView>, orphans: number, paint: Paint, width?: number): string {
  const rows = Array.from(views, (view): Cell[] => {
    const { errors, warnings, settled } = countAnomalies(view.anomalies);
    const fetchable = view.fetchable.map((name) => (view.modules[name]?.stage === 'preliminary' ? `${name}*` : name));
    const plural = (n: number, word: string) => (n === 0 ? '' : `${n} ${word}${n > 1 ? 's' : ''}`);
    const counts = [plural(errors, 'error'), plural(warnings, 'warning'), settled > 0 ? `${settled} settled` : '']
      .filter(Boolean)
      .join(', ');
    return [
      [view.interviewId, []],
      [view.status, []],
      [view.decision, DECISION_COLOURS[view.decision]],
      [fetchable.join(', ') || '-', []],
      [counts || '-', errors > 0 ? ['red'] : warnings > 0 ? ['yellow'] : []],
    ];
  });
  const out = layout(HEADER, rows, paint, { width, flexible: [3, 4] });
  if (orphans > 0) {
    out.push(
      paint(
        `${orphans} record${orphans > 1 ? 's' : ''} belong${orphans > 1 ? '' : 's'} to no session (see replay --json, or validate)`,
        'yellow',
      ),
    );
  }
  return `${out.join('\n')}\n`;
}

export const replayCommand: Command = {
  name: 'replay',
  summary: 'fold logs into one view per session (table or --json); exit 1 if errors remain',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parse(args, {
      json: { type: 'boolean' },
      session: { type: 'string', multiple: true },
      flow: { type: 'string' },
      ...FOLD_OPTIONS,
    });
    if (values.help) {
      process.stdout.write(USAGE);
      return EXIT.ok;
    }
    if (positionals.length === 0) throw new UsageError('replay needs at least one FILE (or - for stdin)');
    const flow = readFlow(values.flow);
    const jobs = readJobs(values.jobs, positionals);
    const maxMemory = readSize(values['max-memory'], jobs);
    const folded = await foldInParallel({
      files: positionals,
      jobs,
      maxMemory,
      flow,
      progress: values.progress === true,
    });
    try {
      warnEmpty('replay', folded.empty);
      const wanted = values.session ? [...new Set(values.session)].sort() : undefined;
      const { entries } = await folded.output({ kind: 'views', sessions: wanted });
      let views: AsyncIterable<Piece> = entries;
      if (wanted !== undefined) {
        // A few sessions asked for: all of them are known before anything is written.
        const found: Piece[] = [];
        for await (const entry of entries) found.push(entry);
        const missing = wanted.filter((id) => !found.some((entry) => entry.key === id));
        if (missing.length > 0) {
          process.stderr.write(
            `onboarding-status replay: no session ${missing.join(', ')} in ${positionals.join(', ')}\n`,
          );
          return EXIT.failed;
        }
        views = (async function* () {
          yield* found;
        })();
      }
      // A filtered replay shows only those sessions: records of no session are not theirs.
      const orphans = wanted ? [] : folded.orphans;
      let errors = orphans.filter((anomaly) => anomaly.severity === 'error').length;
      if (values.json) errors += await writeSnapshotJson(views, orphans);
      else {
        const parsed: SessionView[] = [];
        for await (const entry of views) {
          parsed.push(JSON.parse(textOf(entry)) as SessionView);
          errors += entry.errors;
        }
        const paint = painter(wantsColour(process.stdout));
        process.stdout.write(renderTable(parsed, orphans.length, paint, outputWidth(process.stdout)));
      }
      return errors > 0 ? EXIT.failed : EXIT.ok;
    } finally {
      await folded.close();
    }
  },
};
