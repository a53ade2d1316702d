/** Shared pieces of the service tests: a body for every webhook kind, a server process, JSON Lines. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { Ledger } from '../../src/core/ledger.js';
import type { SessionView } from '../../src/types.js';
import type { WebhookKind } from '../../src/vendor/kinds.js';

/** One valid body for every webhook kind of SPEC 1.2, for session `a1` (some by correlation). */
export const EVERY_KIND: readonly (readonly [WebhookKind, Record<string, unknown>])[] = [
  ['session-started', { interviewId: 'a1' }],
  ['onboarding-status', { interviewId: 'a1', onboardingStatus: 'ID_VALIDATION_FINISHED', clientId: 'acme' }],
  ['video-selfie', { interviewId: 'a1', clientId: 'acme', flowId: 'f1' }],
  ['watchlist', { interviewId: 'a1', ref: 'w-1', search_id: 's-9' }],
  ['work-history', { interviewId: 'a1', requestId: 'r-7', workHistory: { employers: [] } }],
  ['proof-of-payment', { requestId: 'r-7', rfcIssuer: 'AAA010101AAA', totalCfdi: '100.00' }],
  ['identity-enrolled', { interviewId: 'a1', identityId: 'id-5' }],
  ['face-authentication', { identityId: 'id-5', success: true }],
  ['authentication', { interviewId: 'a1', customerId: 'id-5', overallStatus: 'PASS', scores: {} }],
  ['ine-scraping', { InterviewId: 'a1', ScrapingStatus: 'FINISHED' }],
  ['session-pending-review', { interviewId: 'a1' }],
  ['session-progress', { interviewId: 'a1' }],
  ['session-succeeded', { interviewId: 'a1' }],
  ['session-failed', { interviewId: 'a1' }],
];

/** Fold JSON Lines (an export) with the core, as `onboarding-status replay` does. */
export function replay(jsonl: string): Ledger {
  const ledger = new Ledger();
  for (const line of jsonl.split('\n')) if (line.trim() !== '') ledger.addLine(line);
  return ledger;
}

/** The views of every session of an export, by id. */
export function viewsOf(jsonl: string): Map<string, SessionView> {
  const ledger = replay(jsonl);
  return new Map(ledger.snapshot().sessions.map((view) => [view.interviewId, view]));
}

/** A `serve` process on a free loopback port. */
export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** What it wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM, and wait for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, and wait for it to die. */
  kill(): Promise<void>;
}

/** The stand-alone entry, run from the sources through tsx. */
export const SOURCE_ENTRY: readonly string[] = ['--import', 'tsx', 'src/service/cli-entry.ts'];
/** The built command line, the package's `onboarding-status` bin (`npm test` builds it first). */
export const BUILT_ENTRY: readonly string[] = ['dist/src/cli/main.js'];

/** Start `onboarding-status serve` (by default through the stand-alone entry) and wait for it to listen. */
export async function startServe(
  args: readonly string[],
  env: Record<string, string> = {},
  entry: readonly string[] = SOURCE_ENTRY,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...entry, 'serve', '--port', '0', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      stderr += text;
      const found = /listening on (http:\/\/\S+)/.exec(stderr);
      if (found) resolve(found[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code} before listening:\n${stderr}`)));
  });
  const exited = once(child, 'exit');
  return {
    url,
    child,
    stderr: () => stderr,
    async stop() {
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      return code;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
