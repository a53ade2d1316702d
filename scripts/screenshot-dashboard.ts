/**
 * docs/dashboard.png: the service started in this process on a temporary SQLite file, the
 * example logs (examples/*.jsonl and examples/dashboard/*.jsonl) delivered to it, and the
 * dashboard captured with Debian's Chromium. Webhooks are POSTed over HTTP in the order of
 * their `receivedAt`, with the service's clock set to it, so the timeline shows the examples'
 * times; polls, which the service does not receive over HTTP, are written to its store as a
 * poller would. Lines the service would refuse (not JSON, an unknown kind) are skipped.
 *
 *   npx tsx scripts/screenshot-dashboard.ts [session-to-open] [out.png]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRecord } from '../src/records/parse.js';
import { createWebhookHandler } from '../src/service/handler.js';
import { startServer } from '../src/service/server.js';
import { openStore } from '../src/store/open.js';
import { isWebhookKind } from '../src/vendor/kinds.js';
import { hasChromium, launchChromium } from './chromium.js';

const [open = 'a1', out = 'docs/dashboard.png'] = process.argv.slice(2);
if (!hasChromium()) {
  console.error('Debian chromium is missing: run scripts/install-system-deps.sh as root');
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), 'dashboard-shot-'));
const store = await openStore(join(dir, 'examples.db'));
let clock = Date.parse('2026-11-25T09:00:00.000Z');
const handler = createWebhookHandler({ store, now: () => clock });
const server = await startServer(handler, 0, '127.0.0.1');
let posted = 0;
let polls = 0;
let skipped = 0;
try {
  // The example logs, and the dashboard's own busier morning (in a folder of its own).
  const files = ['examples', 'examples/dashboard'].flatMap((folder) =>
    readdirSync(folder)
      .filter((name) => name.endsWith('.jsonl'))
      .sort()
      .map((name) => join(folder, name)),
  );
  // Delivered in the order of their receivedAt across every file, as a service would have seen
  // them (a record without a valid time keeps its place after the one before it in its file).
  type Example = { file: string; at: number; record: { kind?: unknown; receivedAt?: unknown; body?: unknown } };
  const examples: Example[] = [];
  for (const file of files) {
    let at = clock;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        const record = JSON.parse(line);
        const time = Date.parse(String(record?.receivedAt));
        if (!Number.isNaN(time)) at = time;
        examples.push({ file, at, record });
      } catch {
        skipped++;
      }
    }
  }
  examples.sort((a, b) => a.at - b.at);
  for (const { file, at, record } of examples) {
    clock = at;
    if (record.kind === 'poll') {
      await store.append([{ text: JSON.stringify(record), parsed: parseRecord(record) }]);
      polls++;
      continue;
    }
    if (typeof record.kind !== 'string' || !isWebhookKind(record.kind)) {
      skipped++;
      continue;
    }
    const response = await fetch(`${server.url}/webhooks/${record.kind}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(record.body),
    });
    if (response.status !== 204) throw new Error(`${file}: ${record.kind} answered ${response.status}`);
    posted++;
  }
  console.error(
    `${files.length} example files: ${posted} webhooks posted, ${polls} polls stored, ${skipped} lines skipped`,
  );

  const [width, height] = (process.env.SHOT_SIZE ?? '1440x900').split('x').map(Number) as [number, number];
  const browser = await launchChromium({ width, height }, 1);
  try {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/#session=${encodeURIComponent(open)}`);
    await page.locator(`#detail[data-loaded="${open}"]`).waitFor({ timeout: 15_000 });
    await page.locator('#live.on').waitFor({ timeout: 15_000 });
    await page.locator('#d-summary dt').first().waitFor({ timeout: 15_000 });
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: out, animations: 'disabled' });
    console.error(`wrote ${out}`);
  } finally {
    await browser.close();
  }
} finally {
  await server.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
