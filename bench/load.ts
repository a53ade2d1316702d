/**
 * Shared by the service benchmarks: start a server process and wait for its URL, a rotating set
 * of realistic webhook deliveries (from the seeded log generator), and autocannon runs.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import autocannon from 'autocannon';

/** The static header every delivery carries (serve --auth-header). */
export const AUTH = { name: 'x-webhook-token', value: 'bench-secret' };
export const AUTH_HEADER = `${AUTH.name}: ${AUTH.value}`;

/** The built `onboarding-status serve` on loopback over `store`, with the benchmarks' auth header. */
export const serveArgs = (store: string, nodeFlags: string[] = []): string[] => [
  ...nodeFlags,
  'dist/src/cli/main.js',
  'serve',
  '--port',
  '0',
  '--host',
  '127.0.0.1',
  '--store',
  store,
  '--auth-header',
  AUTH_HEADER,
];

/** A server process the benchmark started. */
export interface Child {
  readonly url: string;
  /** What it wrote on stderr so far. */
  stderr(): string;
  /** SIGTERM, then wait for it to exit (SIGKILL after 10 s). */
  stop(): Promise<void>;
}

/** Spawn `node args` and wait for `listening on URL` on its stderr. */
export async function startChild(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Child> {
  const child: ChildProcess = spawn(process.execPath, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  let text = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  };
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "listening on" from node ${args.join(' ')}:\n${text}`)),
      // serve checks every page of a SQLite store before it listens: about 30 s for the
      // million-session store (4 GB) when the page cache does not hold it.
      180_000,
    );
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      text += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(text);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`node ${args.join(' ')} exited ${code}:\n${text}`));
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { url, stderr: () => text, stop };
}

/** A delivery as autocannon posts it. */
export interface Delivery {
  readonly method: 'POST';
  readonly path: string;
  readonly body: string;
  readonly headers: Record<string, string>;
}

/**
 * `count` webhook deliveries (no polls) from the seeded log generator: every kind, realistic bodies.
 * With `rename`, session and identity ids are renamed (`s00a1f` → `{rename}00a1f`), so they are
 * sessions a store of the generator's log does not hold.
 */
export function deliveries(count = 2000, rename?: string): Delivery[] {
  const text = execFileSync(
    process.execPath,
    ['--import', 'tsx', 'scripts/generate-log.ts', '--records', String(count * 2), '--sessions', String(count)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 * 1024 * 1024 },
  );
  const out: Delivery[] = [];
  for (const line of text.split('\n')) {
    if (out.length >= count) break;
    let record: { kind?: unknown; body?: unknown };
    try {
      record = JSON.parse(line) as { kind?: unknown; body?: unknown };
    } catch {
      continue;
    }
    if (typeof record.kind !== 'string' || record.kind === 'poll' || typeof record.body !== 'object') continue;
    const body = JSON.stringify(record.body);
    out.push({
      method: 'POST',
      path: `/webhooks/${record.kind}`,
      body:
        rename === undefined
          ? body
          : body.replace(/"s([0-9a-z]{5})"/g, `"${rename}$1"`).replace(/"id-(\d+)"/g, `"${rename}id-$1"`),
      headers: { 'content-type': 'application/json', [AUTH.name]: AUTH.value },
    });
  }
  return out;
}

/** What one load run saw. */
export interface Load {
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly status5xx: number;
  readonly errors: number;
}

/** Post `requests` round-robin to `url` for `seconds` over `connections` connections. */
export async function load(url: string, requests: Delivery[], seconds: number, connections: number): Promise<Load> {
  // One request rebuilt each time from a shared rotation: autocannon would otherwise prebuild
  // every body for every connection before its clock starts (seconds, with thousands of bodies).
  let next = 0;
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    requests: [
      {
        setupRequest: (request) => {
          const delivery = requests[next++ % requests.length] as Delivery;
          return { ...request, ...delivery };
        },
      },
    ],
  });
  const s2 = result['2xx'];
  return {
    perSecond: s2 / (result.duration || seconds),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    ok: s2,
    non2xx: result.non2xx,
    status5xx: result['5xx'],
    errors: result.errors + result.timeouts,
  };
}

/** The median of numbers. */
export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/** The run whose throughput is the median. */
export function medianRun<T extends { perSecond: number }>(runs: T[]): T {
  return [...runs].sort((a, b) => a.perSecond - b.perSecond)[Math.floor(runs.length / 2)] as T;
}
