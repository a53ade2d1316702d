/**
 * `onboarding-status simulate`: a seeded fake vendor. Delivers webhooks to a target service,
 * serves the status endpoint on loopback for the poller, and writes the ground truth.
 */
import { writeFileSync } from 'node:fs';
import { type Command, EXIT, noPositionals, parse, UsageError } from '../cli/usage.js';
import type { DeliveryAuth } from './deliver.js';
import { serveHandler } from './http.js';
import { SCENARIOS, type ScenarioName } from './scenarios.js';
import { Simulator } from './simulator.js';

export const SIMULATE_USAGE = `Usage: onboarding-status simulate [options]

A fake vendor (Incode Omni): generates sessions through realistic flows, delivers their webhooks
to POST {target}/webhooks/{kind} with the vendor's retries (30 s, x2.5, 5 retries, time-scaled),
delays that reorder, duplicates and invalid bodies, and serves GET /omni/get/onboarding/status
(with lag, 5xx, 429 and timeouts) and POST /executive/log-in for the poller.
  --target URL              the webhook service (default http://127.0.0.1:8080)
  --sessions N              sessions to generate (default 20)
  --rate R                  new sessions per second (default 2)
  --chaos C                 0 (well-behaved) to 1 (reordering, duplicates, invalid bodies, faults); default 0.3
  --seed S                  the seed: the same seed generates the same sessions (default 1)
  --time-scale F            real seconds per vendor second (default 0.05: a 30 s retry takes 1.5 s)
  --scenarios a,b,...       only these flows (${SCENARIOS.join(', ')})
  --oauth-client id:secret  fetch a token from {target}/oauth/token (client credentials) and send it
  --header 'Name: value'    send a static header with every delivery (repeatable)
  --api-port N              port of the vendor API on 127.0.0.1 (default 0: a free one)
  --api-key KEY             the x-api-key the vendor API accepts (default sim-api-key)
  --truth FILE              where to write the ground truth (default ./simulation-truth.json)
  --keep-serving            keep serving the vendor API after the deliveries settle, until SIGINT

Exit status: 0 every delivery was acknowledged; 1 some were given up after the vendor's
retries; 2 the command line is wrong.

Examples:
  onboarding-status simulate --target http://127.0.0.1:8080 --sessions 50 --chaos 0.5 --seed 7
  onboarding-status simulate --oauth-client vendor:secret --truth truth.json --keep-serving
`;

const say = (text: string) => process.stderr.write(`onboarding-status simulate: ${text}\n`);

function number(text: string | undefined, fallback: number, option: string, min: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max)
    throw new UsageError(`${option} "${text}": expected ${min}-${max}`);
  return value;
}

function authOf(oauth: string | undefined, headers: string[] | undefined): DeliveryAuth {
  if (oauth !== undefined) {
    const colon = oauth.indexOf(':');
    if (colon <= 0) throw new UsageError(`--oauth-client "${oauth}": expected id:secret`);
    return { kind: 'oauth', clientId: oauth.slice(0, colon), clientSecret: oauth.slice(colon + 1) };
  }
  if (headers !== undefined && headers.length > 0) {
    const entries = headers.map((text) => {
      const colon = text.indexOf(':');
      if (colon <= 0) throw new UsageError(`--header "${text}": expected 'Name: value'`);
      return [text.slice(0, colon).trim(), text.slice(colon + 1).trim()] as const;
    });
    return { kind: 'headers', headers: Object.fromEntries(entries) };
  }
  return { kind: 'none' };
}

/** Run the simulation; resolves with the exit code once the deliveries settled (or it was stopped). */
async function simulate(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    target: { type: 'string', default: 'http://127.0.0.1:8080' },
    sessions: { type: 'string' },
    rate: { type: 'string' },
    chaos: { type: 'string' },
    seed: { type: 'string' },
    'time-scale': { type: 'string' },
    scenarios: { type: 'string' },
    'oauth-client': { type: 'string' },
    header: { type: 'string', multiple: true },
    'api-port': { type: 'string' },
    'api-key': { type: 'string' },
    truth: { type: 'string', default: './simulation-truth.json' },
    'keep-serving': { type: 'boolean' },
  });
  noPositionals(positionals);
  if (values.help) {
    process.stdout.write(SIMULATE_USAGE);
    return EXIT.ok;
  }
  const scenarios = values.scenarios?.split(',').map((name) => name.trim());
  for (const name of scenarios ?? []) {
    if (!(SCENARIOS as readonly string[]).includes(name)) throw new UsageError(`--scenarios: unknown flow "${name}"`);
  }
  const simulator = new Simulator({
    target: values.target as string,
    sessions: number(values.sessions, 20, '--sessions', 0, 1_000_000),
    rate: number(values.rate, 2, '--rate', 0.001, 100_000),
    chaos: number(values.chaos, 0.3, '--chaos', 0, 1),
    seed: number(values.seed, 1, '--seed', 0, 2 ** 32 - 1),
    timeScale: number(values['time-scale'], 0.05, '--time-scale', 0.000_01, 1_000),
    scenarios: scenarios as ScenarioName[] | undefined,
    auth: authOf(values['oauth-client'], values.header),
    apiKey: values['api-key'],
    log: say,
  });
  const options = {
    truth: values.truth as string,
    apiPort: number(values['api-port'], 0, '--api-port', 0, 65535),
    keep: values['keep-serving'] === true,
  };
  const api = await serveHandler(simulator.vendor.handle, options.apiPort);
  say(
    `vendor API on ${api.url} (status: ${api.url}/omni/get/onboarding/status?id=, login: ${api.url}/executive/log-in)`,
  );
  const write = () => writeFileSync(options.truth, `${JSON.stringify(simulator.truth(), null, 2)}\n`);
  write();
  say(`${simulator.sessions.length} sessions; ground truth in ${options.truth}`);
  let interrupted = false;
  const stop = () => {
    interrupted = true;
    simulator.stop();
    wake();
  };
  let wake: () => void = () => undefined;
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await Promise.race([simulator.run(), new Promise<void>((resolve) => (wake = resolve))]);
    write();
    const stats = simulator.stats;
    say(
      `${stats.deliveries} deliveries (${stats.duplicates} duplicated, ${stats.invalid} invalid extra), ` +
        `${stats.attempts} attempts, ${stats.retries} retries, ${stats.exhausted} undelivered`,
    );
    if (options.keep && !interrupted) {
      say('deliveries settled; still serving the vendor API (Ctrl-C to stop)');
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await api.close();
  }
  return simulator.stats.exhausted > 0 ? EXIT.failed : EXIT.ok;
}

/** `onboarding-status simulate`. */
export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'simulate the vendor sending webhooks',
  usage: SIMULATE_USAGE,
  run: simulate,
};
