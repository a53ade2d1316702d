/**
 * The baseline of benchmarks 3 and 4: bare node:http that checks the static auth header, parses
 * the JSON body and group-commits the same rows `serve` stores (record id, session id, record
 * text) to SQLite with better-sqlite3 (WAL, synchronous=FULL), one transaction per turn of the
 * event loop, answering 204 after the commit. Prints `listening on URL` on stderr, like `serve`.
 *
 *   node --import tsx bench/service-baseline.ts DB-FILE 'Name: value'
 */
import { createHash } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';

const [file, authHeader = ''] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: service-baseline.ts DB-FILE [Name: value]');
const colon = authHeader.indexOf(':');
const authName = authHeader.slice(0, colon).trim().toLowerCase();
const authValue = authHeader.slice(colon + 1).trim();

const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(`
CREATE TABLE IF NOT EXISTS records (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  record_id TEXT NOT NULL UNIQUE,
  session_id TEXT,
  record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_by_session ON records (session_id, seq);
`);
const insert = db.prepare<[string, string | null, string]>(
  'INSERT INTO records (record_id, session_id, record) VALUES (?, ?, ?) ON CONFLICT (record_id) DO NOTHING',
);
type Row = [string, string | null, string];
const commit = db.transaction((rows: Row[]) => {
  for (const row of rows) insert.run(...row);
});

let rows: Row[] = [];
let waiting: ServerResponse[] = [];
let scheduled = false;
const flush = () => {
  scheduled = false;
  const batch = rows;
  const answers = waiting;
  rows = [];
  waiting = [];
  try {
    commit.immediate(batch);
    for (const res of answers) res.writeHead(204).end();
  } catch {
    for (const res of answers) res.writeHead(503).end();
  }
};

const server = createServer((req, res) => {
  const kind = req.url?.startsWith('/webhooks/') ? req.url.slice('/webhooks/'.length) : undefined;
  if (req.method !== 'POST' || kind === undefined) {
    res.writeHead(404).end();
    return;
  }
  if (authName !== '' && req.headers[authName] !== authValue) {
    res.writeHead(401).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let body: { interviewId?: unknown };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { interviewId?: unknown };
    } catch {
      res.writeHead(400).end();
      return;
    }
    const record = JSON.stringify({ kind, receivedAt: new Date().toISOString(), body });
    const id = createHash('sha256').update(record).digest('hex');
    rows.push([id, typeof body.interviewId === 'string' ? body.interviewId : null, record]);
    waiting.push(res);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  });
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stderr.write(`listening on http://127.0.0.1:${port}\n`);
});
const stop = () => {
  server.close(() => {
    db.close();
    process.exit(0);
  });
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
