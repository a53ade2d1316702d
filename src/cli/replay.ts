/**
 * `replay`: fold logs into one view per session, as a table for people or JSON (SPEC 2.2) for
 * programs. A face over the core: every decision is the ledger's.
 */
import type { Anomaly, SessionView } from '../types.js';
import { countAnomalies } from './findings.js';
import { foldLogs, readFlow } from './input.js';
import { sink } from './sink.js';
import { type Paint, painter, wantsColour } from './style.js';
import { type Command, EXIT, parse, UsageError } from './usage.js';

const USAGE = `Usage: onboarding-status replay FILE... [--json] [--session ID]... [--flow FLOW.json]

Fold JSON Lines logs of delivery records (SPEC 2.1) into one view per session: where it
stands (status), what was decided (decision), what may be fetched now (fetchable), and how
many anomalies its deliveries had. FILE - reads stdin.

Options:
  --json           print {"sessions":[...],"anomalies":[...]} (SPEC 2.2); "anomalies" holds
                   the records that belong to no session
  --session ID     only this session (repeatable); exit 1 if the logs never mention it
  --flow FILE      a flow configuration, {"modules":["id","face",...]}: narrows what
                   ONBOARDING_FINISHED makes fetchable
  -h, --help       show this help

The table is coloured on a terminal only (NO_COLOR turns colour off, FORCE_COLOR on).
In FETCHABLE, a * marks data that is still preliminary.

Examples:
  onboarding-status replay examples/out-of-order.jsonl
  onboarding-status replay examples/every-kind.jsonl --json | jq '.sessions[0].fetchable'
  cat logs/*.jsonl | onboarding-status replay - --session a1 --flow flow.json
`;

/** Write `{"sessions":[…],"anomalies":[…]}` (the core's `LedgerSnapshot`) view by view. */
async function writeSnapshotJson(views: Iterable<SessionView>, orphans: readonly Anomaly[]): Promise<void> {
  const out = sink();
  await out.write('{"sessions":[');
  let first = true;
  for (const view of views) {
    await out.write(`${first ? '' : ','}${JSON.stringify(view)}`);
    first = false;
  }
  await out.write(`],"anomalies":${JSON.stringify(orphans)}}\n`);
  await out.end();
}

const DECISION_COLOURS: Record<SessionView['decision'], Parameters<Paint>[1][]> = {
  none: ['dim'],
  'pending-review': ['yellow'],
  approved: ['green'],
  rejected: ['red'],
  conflict: ['magenta', 'bold'],
};

/** The table of session views, padded on the plain text so colours do not shift columns. */
export function renderTable(views: Iterable<SessionView>, orphans: number, paint: Paint): string {
  const rows = Array.from(views, (view) => {
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
    ] as [string, Parameters<Paint>[1][]][];
  });
  const header = ['SESSION', 'STATUS', 'DECISION', 'FETCHABLE', 'ANOMALIES'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column][0].length)));
  const line = (cells: [string, Parameters<Paint>[1][]][]) =>
    cells
      .map(([text, colours], column) => {
        const padded = column === cells.length - 1 ? text : text.padEnd(widths[column]);
        return paint(padded, ...colours);
      })
      .join('  ')
      .trimEnd();
  const out = [line(header.map((title) => [title, ['bold']])), ...rows.map(line)];
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
  summary: 'fold logs into one view per session (table or --json)',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parse(this, args, {
      json: { type: 'boolean' },
      session: { type: 'string', multiple: true },
      flow: { type: 'string' },
    });
    if (values.help) {
      process.stdout.write(USAGE);
      return EXIT.ok;
    }
    if (positionals.length === 0) throw new UsageError('replay needs at least one FILE (or - for stdin)', USAGE);
    const flow = readFlow(values.flow);
    const { ledger } = await foldLogs(positionals, { flow });
    const ids = values.session ? [...new Set(values.session)].sort() : ledger.sessionIds();
    if (values.session) {
      const missing = ids.filter((id) => ledger.state(id) === undefined);
      if (missing.length > 0) {
        process.stderr.write(`onboarding-status: no session ${missing.join(', ')} in ${positionals.join(', ')}\n`);
        return EXIT.failed;
      }
    }
    // A filtered replay shows only those sessions: records of no session are not theirs.
    const orphans = values.session ? [] : ledger.anomalies();
    // One view at a time: a million-session log never holds all views, or all of its JSON, at once.
    const views = (function* () {
      for (const id of ids) yield ledger.view(id) as SessionView;
    })();
    if (values.json) await writeSnapshotJson(views, orphans);
    else process.stdout.write(renderTable(views, orphans.length, painter(wantsColour(process.stdout))));
    return EXIT.ok;
  },
};
