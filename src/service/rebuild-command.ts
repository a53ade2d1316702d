/**
 * `onboarding-status rebuild`: fold the store's session views again from its records, with
 * progress on stderr. `serve` does the same at start when its views are of another version; this
 * command does it ahead of an upgrade, or again (`--all`) whenever one wants. The service may run
 * meanwhile: each page of sessions is one short transaction, and deliveries keep being stored.
 */
import { readFlow } from '../cli/flow.js';
import { type Command, EXIT, noPositionals, parse } from '../cli/usage.js';
import { openStore } from '../store/open.js';
import { rebuildViews } from '../store/rebuild.js';
import type { Store } from '../store/types.js';
import { createViewKeeper } from '../store/views.js';
import { shownStore } from './cli.js';

export const REBUILD_USAGE = `Usage: onboarding-status rebuild [options]

Fold the stored session views again from the stored records: those written by another version
of the core (or a store written before views were kept), or every one with --all. Prints its
progress on stderr. A running service keeps storing deliveries meanwhile (serve rebuilds stale
views itself when it starts; this command does it ahead of time).
  --store PATH|URL   SQLite file (default ./onboarding-status.db) or postgres://…
  --flow FILE        the flow configuration serve runs with (views depend on it)
  --all              rebuild every view, not only those of another version

Exit status: 0 rebuilt; 1 the store cannot be opened or failed; 2 the command line is wrong.

Examples:
  onboarding-status rebuild --store ./data.db
  onboarding-status rebuild --store postgres://user:pass@db/onboarding --all
`;

const say = (text: string) => process.stderr.write(`onboarding-status: ${text}\n`);

async function rebuild(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    store: { type: 'string', default: './onboarding-status.db' },
    flow: { type: 'string' },
    all: { type: 'boolean' },
  });
  noPositionals(positionals);
  if (values.help) {
    process.stdout.write(REBUILD_USAGE);
    return EXIT.ok;
  }
  const spec = values.store as string;
  const flow = readFlow(values.flow);
  const views = createViewKeeper({ flow });
  let store: Store;
  try {
    store = await openStore(spec, { flow });
  } catch (error) {
    say(`cannot open the store ${shownStore(spec)}: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.failed;
  }
  try {
    const current = (await store.viewsVersion()) === views.version;
    if (current && !values.all) {
      say(`the views of ${shownStore(spec)} are current: nothing to rebuild (--all rebuilds them anyway)`);
      return EXIT.ok;
    }
    say(`rebuilding the session views of ${shownStore(spec)} from its records`);
    let told = 0;
    const result = await rebuildViews(store, {
      version: views.version,
      force: values.all === true,
      onProgress: (progress) => {
        if (progress.millis - told < 1000 && progress.done < progress.total) return;
        told = progress.millis;
        const rate = progress.done / Math.max(progress.millis / 1000, 0.001);
        say(`rebuilt ${progress.done} of ${progress.total} sessions (${Math.round(rate)}/s)`);
      },
    });
    say(
      `done: ${result.rebuilt} views rebuilt, ${result.done} sessions looked at, in ${(result.millis / 1000).toFixed(1)} s`,
    );
    return EXIT.ok;
  } catch (error) {
    say(
      `the rebuild failed (run it again: it resumes where views are stale): ${error instanceof Error ? error.message : String(error)}`,
    );
    return EXIT.failed;
  } finally {
    await store.close();
  }
}

/** `onboarding-status rebuild`. */
export const rebuildCommand: Command = {
  name: 'rebuild',
  summary: "fold the service store's session views again from its records",
  usage: REBUILD_USAGE,
  run: rebuild,
};
