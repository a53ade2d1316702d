/**
 * `validate`: the same fold as `replay`, reporting every anomaly where it happened (file, line,
 * session), with the sentence the core wrote. The exit code says whether errors remain.
 */
import { foldInParallel } from './fold/fold.js';
import { FOLD_HELP, FOLD_OPTIONS, readJobs, readSize } from './fold/options.js';
import { warnEmpty } from './input.js';
import { sink } from './sink.js';
import { painter, wantsColour } from './style.js';
import { type Command, EXIT, parse, UsageError } from './usage.js';

const USAGE = `Usage: onboarding-status validate FILE... [--strict] [--json]
                                    [--jobs N] [--max-memory SIZE] [--progress]

Fold JSON Lines logs of delivery records and report every anomaly: file, line, session,
code, severity, and what happened. FILE - reads stdin. Every anomaly code is described, with
an example, in docs/spec.md#anomalies, shipped with the package.

Exit status:
  0  no errors remain (warnings are reported, but pass)
  1  errors remain: invalid payloads, unknown kinds or statuses, uncorrelated records, or a
     conflicting decision that no later poll settled (with --strict: warnings too)
  2  the command line is wrong, or a FILE cannot be read or is not a JSON Lines log

Options:
  --strict     warnings fail too (duplicates, late deliveries, stale polls, deprecated
               webhooks, deliveries after the decision, an input with no records)
  --json       print {"ok":...,"errors":n,"warnings":n,"records":n,"sessions":n,"anomalies":[...]}
${FOLD_HELP}
  -h, --help   show this help

Examples:
  onboarding-status validate examples/invalid-payloads.jsonl
  onboarding-status validate --strict examples/duplicated.jsonl || echo "retries seen"
  onboarding-status validate --json logs/today.jsonl | jq '.anomalies[] | select(.severity == "error")'
`;

export const validateCommand: Command = {
  name: 'validate',
  summary: 'report every anomaly of logs with file and line; exit 1 on errors',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parse(args, {
      strict: { type: 'boolean' },
      json: { type: 'boolean' },
      ...FOLD_OPTIONS,
    });
    if (values.help) {
      process.stdout.write(USAGE);
      return EXIT.ok;
    }
    if (positionals.length === 0) throw new UsageError('validate needs at least one FILE (or - for stdin)');
    const jobs = readJobs(values.jobs, positionals);
    const maxMemory = readSize(values['max-memory'], jobs);
    const folded = await foldInParallel({ files: positionals, jobs, maxMemory, progress: values.progress === true });
    try {
      const { records, empty } = folded;
      warnEmpty('validate', empty);
      // Every anomaly, in the order its record was read (file, then line).
      const paint = painter(wantsColour(process.stdout));
      const lines = values.json ? undefined : { colour: wantsColour(process.stdout) };
      const { summary, entries } = await folded.output({ kind: 'findings', lines });
      const { errors, warnings, sessions } = summary;
      const ok = errors === 0 && (!values.strict || (warnings === 0 && empty.length === 0));
      const out = sink();
      if (values.json) {
        await out.write(
          `{"ok":${ok},"errors":${errors},"warnings":${warnings},"records":${records},"sessions":${sessions},"anomalies":[`,
        );
        let first = true;
        for await (const entry of entries) {
          if (!first) await out.write(',');
          await out.write(entry.bytes);
          first = false;
        }
        await out.write(']}\n');
        await out.end();
        return ok ? EXIT.ok : EXIT.failed;
      }
      for await (const entry of entries) await out.write(entry.bytes);
      await out.end();
      const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
      const total = `${plural(errors, 'error')}, ${plural(warnings, 'warning')} in ${plural(records, 'record')}, ${plural(sessions, 'session')}`;
      process.stdout.write(
        `${ok ? paint('ok', 'green') : paint('failed', 'red', 'bold')}: ${total}${values.strict ? ' (strict)' : ''}\n`,
      );
      return ok ? EXIT.ok : EXIT.failed;
    } finally {
      await folded.close();
    }
  },
};
