/**
 * A throwaway PostgreSQL cluster for tests and benchmarks, started with Debian's own binaries
 * (`/usr/lib/postgresql/<version>/bin/initdb` and `pg_ctl`) in a fresh temp dir, listening on
 * 127.0.0.1 on a free port and on a unix socket in that dir, with a random password. Nothing of
 * the distro's own cluster is used. As root, the server runs as the `postgres` user (PostgreSQL
 * refuses to run as root): the temp dir is chowned to it and the binaries run through `setpriv`.
 * `PG_BINDIR` names another dir of server binaries (a non-Debian install).
 *
 *   const cluster = await startThrowawayCluster();
 *   // cluster.url: postgres://postgres:…@127.0.0.1:PORT/postgres
 *   const db = await cluster.createDatabase(); // a fresh, empty database: db.url, db.drop()
 *   await cluster.stop(); // stops the server and removes the dir
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { chown, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** Where Debian installs the server binaries: one dir per major version. */
const DEBIAN_ROOT = '/usr/lib/postgresql';

const hasServerBinaries = (bin: string) => existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'));

/**
 * The `bin` dir with `initdb` and `pg_ctl`: `PG_BINDIR` when set (another install), else the
 * newest Debian version; `undefined` when there is none.
 */
export async function findPostgresBinaries(): Promise<string | undefined> {
  const chosen = process.env.PG_BINDIR;
  if (chosen) return hasServerBinaries(chosen) ? chosen : undefined;
  let versions: string[];
  try {
    versions = await readdir(DEBIAN_ROOT);
  } catch {
    return undefined;
  }
  const usable = versions
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => join(DEBIAN_ROOT, v, 'bin'))
    .filter(hasServerBinaries);
  return usable[0];
}

/** A running throwaway cluster. */
export interface ThrowawayCluster {
  /** A connection URL for the superuser, database `postgres`, over TCP on 127.0.0.1. */
  readonly url: string;
  /** The same server for another database of it. */
  urlFor(database: string): string;
  /** Create a fresh, empty database; `drop()` removes it, disconnecting whoever is still on it. */
  createDatabase(): Promise<{ readonly name: string; readonly url: string; drop(): Promise<void> }>;
  /** The data directory's parent (socket, log, data). */
  readonly dir: string;
  /** Stop the server (fast shutdown) and remove the dir. Safe to call twice. */
  stop(): Promise<void>;
  /**
   * Stop the server as an outage would, keeping its data: `fast` (clients are disconnected,
   * then a clean shutdown) or `immediate` (every process quits at once; recovery from the WAL
   * at the next start).
   */
  halt(mode: 'fast' | 'immediate'): Promise<void>;
  /** Start a halted server again, on the same port. */
  resume(): Promise<void>;
}

/** Options of {@link startThrowawayCluster}. */
export interface ClusterOptions {
  /** Extra server settings (`-c name=value`), e.g. `{ fsync: 'off' }` for a benchmark baseline. */
  readonly settings?: Readonly<Record<string, string>>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The uid and gid of the `postgres` user (as root the server must not run as root). */
async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const passwd = await readFile('/etc/passwd', 'utf8');
  for (const line of passwd.split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name === 'postgres') return { uid: Number(uid), gid: Number(gid) };
  }
  throw new Error(
    'running as root, and there is no "postgres" user to run the server as (install Debian\'s postgresql)',
  );
}

/**
 * Start a cluster of its own: initdb in a temp dir, then `pg_ctl start -w` on a free loopback port.
 * Throws with the server log when it does not come up.
 */
export async function startThrowawayCluster(options: ClusterOptions = {}): Promise<ThrowawayCluster> {
  const bin = await findPostgresBinaries();
  if (bin === undefined) {
    throw new Error(`no PostgreSQL server binaries under ${DEBIAN_ROOT}/*/bin (apt-get install postgresql)`);
  }
  const asRoot = userInfo().uid === 0;
  const owner = asRoot ? await postgresUser() : undefined;
  const as = (command: string): [string, string[]] =>
    owner
      ? ['setpriv', [`--reuid=${owner.uid}`, `--regid=${owner.gid}`, '--clear-groups', '--', command]]
      : [command, []];
  const exec = async (command: string, args: readonly string[]) => {
    const [file, prefix] = as(join(bin, command));
    return run(file, [...prefix, ...args], { env: { ...process.env, LC_ALL: 'C' } });
  };

  const dir = await mkdtemp(join(tmpdir(), 'onboarding-status-pg-'));
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  const password = randomBytes(18).toString('base64url');
  const pwfile = join(dir, 'pwfile');
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (owner) {
    await chown(dir, owner.uid, owner.gid);
    await chown(pwfile, owner.uid, owner.gid);
  }
  let started = false;
  // Should the process end without stop() (a crashed test run), stop the server anyway.
  const onExit = () => {
    if (!started) return;
    const [file, prefix] = as(join(bin, 'pg_ctl'));
    try {
      execFileSync(file, [...prefix, '-D', data, '-m', 'immediate', 'stop'], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Best effort: the process is ending.
    }
  };
  process.once('exit', onExit);
  const stop = async () => {
    process.removeListener('exit', onExit);
    if (started) {
      started = false;
      await exec('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await exec('initdb', [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=scram-sha-256',
      `--pwfile=${pwfile}`,
      '--encoding=UTF8',
      '--no-locale',
    ]);
    await rm(pwfile);
    const settings: Record<string, string> = {
      listen_addresses: '127.0.0.1',
      unix_socket_directories: dir,
      max_connections: '200',
      ...options.settings,
    };
    // A port can be taken between probing and binding: try a few.
    let lastError: unknown;
    for (let attempt = 0; attempt < 5 && !started; attempt++) {
      const port = await freePort();
      const flags = Object.entries({ ...settings, port: String(port) })
        .map(([name, value]) => `-c ${name}=${value}`)
        .join(' ');
      const start = () => exec('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '60', '-o', flags, 'start']);
      try {
        await start();
        started = true;
        const base = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}`;
        const url = `${base}/postgres`;
        let databases = 0;
        const admin = async (statement: string): Promise<void> => {
          const client = new pg.Client({ connectionString: url });
          client.on('error', () => undefined);
          await client.connect();
          try {
            await client.query(statement);
          } finally {
            await client.end();
          }
        };
        return {
          url,
          urlFor: (database: string) => `${base}/${encodeURIComponent(database)}`,
          dir,
          stop,
          halt: async (mode) => {
            await exec('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
            started = false;
          },
          resume: async () => {
            await start();
            started = true;
          },
          createDatabase: async () => {
            const name = `db_${++databases}`;
            await admin(`CREATE DATABASE ${name}`);
            return {
              name,
              url: `${base}/${name}`,
              drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
            };
          },
        };
      } catch (error) {
        lastError = error;
      }
    }
    const serverLog = await readFile(log, 'utf8').catch(() => '(no server log)');
    throw new Error(`the throwaway PostgreSQL cluster did not start: ${String(lastError)}\n${serverLog}`);
  } catch (error) {
    await stop();
    throw error;
  }
}
