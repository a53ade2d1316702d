/**
 * The dashboard in headless Chromium (Debian's, driven by playwright-core) against the real
 * `serve` process on loopback with a temporary SQLite store: sessions appear with what the core
 * decided, filters narrow them, a new delivery shows up live through /events without a reload,
 * and the state diagram highlights the states a session reached.
 *
 * Without /usr/bin/chromium the suite is skipped with a message, except in CI (CI set), where
 * that is a failure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, CHROMIUM, hasChromium, launchChromium } from '../../scripts/chromium.js';
import type { ModuleName } from '../../src/types.js';
import { MODULES } from '../../src/vendor/modules.js';
import { type ServerProcess, startServe } from './support.js';

const available = hasChromium();
const required = Boolean(process.env.CI);
if (!available && !required) {
  console.warn(
    `dashboard browser tests SKIPPED: ${CHROMIUM} is missing (install it with: bash scripts/install-system-deps.sh, as root)`,
  );
}

// Bounded waits for what the page must show; generous, since other suites load the machine too.
const WAIT = { timeout: 15_000 };

describe.skipIf(!available && !required)('dashboard in headless Chromium', () => {
  let dir: string;
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  const post = async (kind: string, body: object) => {
    const response = await fetch(`${server.url}/webhooks/${kind}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status, `${kind} ${JSON.stringify(body)}`).toBe(204);
  };
  const status = (interviewId: string, onboardingStatus: string) =>
    post('onboarding-status', { interviewId, onboardingStatus });
  const row = (id: string) => page.locator(`#rows tr[data-session="${id}"]`);
  const classOf = async (ref: string) =>
    ((await page.locator(`svg [data-state="${ref}"]`).getAttribute('class')) ?? '').split(/\s+/);

  beforeAll(async () => {
    if (!available)
      throw new Error(`CI requires Debian's chromium at ${CHROMIUM}: scripts/install-system-deps.sh installs it`);
    dir = mkdtempSync(join(tmpdir(), 'dashboard-'));
    server = await startServe(['--host', '127.0.0.1', '--store', join(dir, 'dashboard.db')]);
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    // Loopback only: the browser reaches nothing but the server under test.
    await page.route('**/*', (route) =>
      new URL(route.request().url()).origin === server.url ? route.continue() : route.abort(),
    );
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('lists the sessions with the status, decision, fetchable modules and anomalies the core gives', async () => {
    await status('s1', 'ID_VALIDATION_FINISHED');
    await status('s1', 'FACE_VALIDATION_FINISHED');
    await status('s2', 'ONBOARDING_FINISHED');
    await status('s2', 'ID_VALIDATION_FINISHED'); // late: ONBOARDING_FINISHED already implied it
    await post('session-pending-review', { interviewId: 's2' });
    await status('s3', 'MANUAL_REVIEW_APPROVED');

    await page.goto(server.url);
    await row('s3').waitFor(WAIT);
    await page.locator('#live.on').waitFor(WAIT);
    expect(await page.locator('#rows tr').count()).toBe(3);

    expect(await row('s1').locator('td.status').textContent()).toBe('FACE_VALIDATION_FINISHED');
    expect(await row('s1').locator('td.decision').textContent()).toBe('none');
    // The ID is fetchable, but only preliminary until post-processing; the face scores are final.
    expect(await row('s1').locator('[data-module="id"]').textContent()).toContain('id (preliminary)');
    expect(await row('s1').locator('[data-module="face"]').textContent()).toContain('face (final)');
    expect(await row('s1').locator('[data-module]').count()).toBe(2);
    expect(await row('s1').locator('td.anomaly-cell').textContent()).toBe('0');

    expect(await row('s2').locator('td.status').textContent()).toBe('ONBOARDING_FINISHED');
    expect(await row('s2').locator('td.decision').textContent()).toBe('pending review');
    expect(await row('s2').locator('[data-stage="final"]').count()).toBe(
      await row('s2').locator('[data-module]').count(),
    );
    expect(await row('s2').locator('[data-module="scores"]').count()).toBe(1);
    expect(await row('s2').locator('td.anomaly-cell').textContent()).toBe('1 late-delivery');

    expect(await row('s3').locator('td.decision').textContent()).toBe('approved');
    expect(await row('s3').locator('td.status').textContent()).toBe('MANUAL_REVIEW_APPROVED');
  });

  it('narrows the table with the filters and shows every session again when they are cleared', async () => {
    await page.locator('#f-decision').selectOption('approved');
    await page.locator('#rows tr[data-session="s1"]').waitFor({ state: 'detached', ...WAIT });
    expect(
      await page.locator('#rows tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-session'))),
    ).toEqual(['s3']);
    expect(await page.locator('#count').textContent()).toBe('1 session matches');

    // The service filters: the list shows its answer once it arrives.
    await page.locator('#f-decision').selectOption('');
    await page.locator('#f-anomalies').selectOption('with');
    await row('s2').waitFor(WAIT);
    await row('s3').waitFor({ state: 'detached', ...WAIT });
    expect(await page.locator('#rows tr').count()).toBe(1);
    expect(await page.locator('#count').textContent()).toBe('1 session matches');

    // An id prefix: the sessions whose id starts with it, by id.
    await page.locator('#f-anomalies').selectOption('');
    await page.locator('#f-id').fill('s');
    await row('s1').waitFor(WAIT);
    expect(
      await page.locator('#rows tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-session'))),
    ).toEqual(['s1', 's2', 's3']);
    await page.locator('#f-id').fill('s2');
    await row('s1').waitFor({ state: 'detached', ...WAIT });
    expect(await page.locator('#rows tr').count()).toBe(1);

    await page.getByRole('button', { name: 'Clear filters' }).click();
    await row('s1').waitFor(WAIT);
    expect(await page.locator('#rows tr').count()).toBe(3);
  });

  it('shows new deliveries live from /events, without a reload', async () => {
    await page.evaluate('window.notReloaded = true');
    await status('s4', 'ID_VALIDATION_FINISHED');
    await status('s1', 'ONBOARDING_FINISHED');
    await row('s4').waitFor(WAIT);
    await row('s1').locator('td.status[data-status="ONBOARDING_FINISHED"]').waitFor(WAIT);
    expect(await row('s4').locator('[data-module="id"]').textContent()).toContain('id (preliminary)');
    // The ID became final with completion.
    expect(await row('s1').locator('[data-module="id"]').getAttribute('data-stage')).toBe('final');
    expect(await page.evaluate('window.notReloaded')).toBe(true);
  });

  it('highlights the states a session reached in its diagram, and lists its deliveries with the anomalies', async () => {
    await row('s1').getByRole('button').click();
    await page.locator('#detail[data-loaded="s1"]').waitFor(WAIT);
    expect(await row('s1').getAttribute('aria-current')).toBe('true');

    expect(await classOf('onboarding.progress.finished')).toEqual(expect.arrayContaining(['reached', 'current']));
    const passed = await classOf('onboarding.progress.inProgress');
    expect(passed).toContain('reached');
    expect(passed).not.toContain('current');
    expect(await classOf('onboarding.face.final')).toContain('current');
    const never = await classOf('onboarding.governmentValidation.preliminary');
    expect(never).not.toContain('reached');
    expect(never).not.toContain('current');
    expect(await classOf('onboarding.review.approved')).not.toContain('reached');
    // The session finished: every module its view calls fetchable is in its final state in the
    // diagram, completion's implied modules included (the diagram tells the view's story).
    const view = (await (await fetch(`${server.url}/sessions/s1`)).json()) as {
      fetchable: ModuleName[];
      modules: Record<string, { stage: string }>;
    };
    expect(view.fetchable).toEqual(
      expect.arrayContaining(['face', 'governmentValidation', 'id', 'scores', 'secondId']),
    );
    for (const module of view.fetchable) {
      // The machine whose region of the module's name tracks it, as the vendor table says.
      const region = `${MODULES[module].machine}.${module}`;
      const stage = view.modules[module]?.stage;
      expect(stage, module).toBe('final');
      expect(await classOf(`${region}.final`), module).toContain('current');
    }

    // Three deliveries, latest first, each with the states it entered.
    const steps = page.locator('#timeline > li');
    expect(await steps.count()).toBe(3);
    expect(await steps.first().textContent()).toContain('"ONBOARDING_FINISHED"');
    expect(await steps.last().textContent()).toContain('id → preliminary');

    // The selected session follows live deliveries too.
    await status('s1', 'MANUAL_REVIEW_APPROVED');
    await page.locator('svg [data-state="onboarding.review.approved"].current').waitFor(WAIT);
    expect(await steps.count()).toBe(4);
    expect(await page.evaluate('window.notReloaded')).toBe(true);

    await row('s2').getByRole('button').click();
    await page.locator('#detail[data-loaded="s2"]').waitFor(WAIT);
    const late = page.locator('#timeline > li.has-anomaly');
    expect(await late.count()).toBe(1);
    expect(await late.locator('[data-code]').getAttribute('data-code')).toBe('late-delivery');
    expect(await late.textContent()).toContain('ID_VALIDATION_FINISHED arrived after ONBOARDING_FINISHED');
    expect(await classOf('onboarding.review.pendingReview')).toContain('current');
  });

  it('works from the keyboard: Enter on a session opens it, and live updates keep the focus there', async () => {
    await row('s4').getByRole('button').focus();
    await page.keyboard.press('Enter');
    await page.locator('#detail[data-loaded="s4"]').waitFor(WAIT);
    const focusedSession = () =>
      page.evaluate("document.activeElement && document.activeElement.closest('tr')?.getAttribute('data-session')");
    expect(await focusedSession()).toBe('s4');
    await status('s4', 'FACE_VALIDATION_FINISHED');
    await row('s4').locator('[data-module="face"]').waitFor(WAIT);
    expect(await focusedSession()).toBe('s4');
    expect(await row('s4').getAttribute('aria-current')).toBe('true');
  });

  it('opens a session from its link (#session=…) with its view, fetchable modules and timeline', async () => {
    const linked = await browser.context.newPage();
    linked.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    try {
      await linked.goto(`${server.url}/#session=s2`);
      await linked.locator('#detail[data-loaded="s2"]').waitFor(WAIT);
      await linked.locator('#d-summary dd').first().waitFor(WAIT);
      const summary = await linked.locator('#d-summary').textContent();
      expect(summary).toContain('ONBOARDING_FINISHED');
      expect(summary).toContain('pending review');
      expect(await linked.locator('#d-modules tbody th').allTextContents()).toEqual(
        await row('s2')
          .locator('[data-module]')
          .evaluateAll((chips) => chips.map((chip) => chip.getAttribute('data-module'))),
      );
      expect(await linked.locator('#timeline > li').count()).toBe(3);
    } finally {
      await linked.close();
    }
  });

  it('keeps rows in place under the pointer, so a click opens the row that was clicked', async () => {
    await page.goto(server.url);
    await row('s4').waitFor(WAIT);
    const ids = () => page.locator('#rows tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-session')));
    const before = await ids();
    const target = before.at(-1) as string;
    const moving = before.at(-2) as string;
    // The pointer rests on the last row; then a delivery makes another session the newest change.
    const box = (await row(target).boundingBox()) as { x: number; y: number; width: number; height: number };
    const spot = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    await page.mouse.move(spot.x, spot.y);
    const records = Number(await row(moving).locator('td.num').textContent());
    await status(moving, 'GOVERNMENT_VALIDATION_FINISHED');
    await row(moving)
      .locator(`td.num:text-is("${records + 1}")`)
      .waitFor(WAIT);
    expect(await ids()).toEqual(before);
    expect(
      await page.evaluate(
        `document.elementFromPoint(${spot.x}, ${spot.y})?.closest('tr')?.getAttribute('data-session')`,
      ),
    ).toBe(target);
    await page.mouse.click(spot.x, spot.y);
    await page.locator(`#detail[data-loaded="${target}"]`).waitFor(WAIT);
    expect(await page.locator('#d-id').textContent()).toBe(target);
    expect(await row(target).getAttribute('aria-current')).toBe('true');
    // Once the pointer leaves the list, the rows settle: the newest change first.
    await page.mouse.move(1, 1);
    await page.waitForFunction(
      `document.querySelector('#rows tr')?.getAttribute('data-session') === ${JSON.stringify(moving)}`,
      undefined,
      WAIT,
    );
  });

  it('opens the detail beside the list, with times in one format', async () => {
    const list = (await page.locator('#list').boundingBox()) as { x: number; y: number; width: number };
    const detail = (await page.locator('#detail').boundingBox()) as { x: number; y: number };
    expect(detail.x).toBeGreaterThanOrEqual(list.x + list.width);
    expect(Math.abs(detail.y - list.y)).toBeLessThan(5);
    const times = await page.locator('time').allTextContents();
    expect(times.length).toBeGreaterThan(0);
    for (const time of times) expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('follows a link to a session while open, and is usable 390 px wide', async () => {
    const narrow = await browser.context.newPage();
    narrow.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    try {
      await narrow.setViewportSize({ width: 390, height: 844 });
      await narrow.goto(server.url);
      await narrow.locator('#rows tr[data-session="s2"]').waitFor(WAIT);
      await narrow.evaluate("location.hash = '#session=s3'");
      await narrow.locator('#detail[data-loaded="s3"]').waitFor(WAIT);
      expect(await narrow.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await narrow.locator('#rows tr[data-session="s2"]').click();
      await narrow.locator('#detail[data-loaded="s2"]').waitFor(WAIT);
      expect(await narrow.locator('#d-id').textContent()).toBe('s2');
      expect(await narrow.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      const card = (await narrow.locator('#rows tr[data-session="s2"]').boundingBox()) as { width: number };
      expect(card.width).toBeLessThanOrEqual(390);
    } finally {
      await narrow.close();
    }
  });

  it('pages the list on the service: the first page, then more on request', async () => {
    for (let i = 0; i < 55; i++) await status(`p${String(i).padStart(2, '0')}`, 'ID_VALIDATION_FINISHED');
    await page.goto(server.url);
    await row('p54').waitFor(WAIT);
    expect(await page.locator('#rows tr').count()).toBe(50);
    expect(await page.locator('#count').textContent()).toBe('50+ sessions');
    // The latest change first: the oldest sessions are on the next page.
    expect(await row('s2').count()).toBe(0);
    await page.getByRole('button', { name: 'Show more sessions' }).click();
    await row('s2').waitFor(WAIT);
    expect(await page.locator('#rows tr').count()).toBe(59);
    expect(await page.locator('#count').textContent()).toBe('59 sessions');
    expect(await page.locator('#more').isHidden()).toBe(true);
  });

  it('works under a base path, reading the service relative to the page', async () => {
    const mounted = await startServe([
      '--host',
      '127.0.0.1',
      '--store',
      join(dir, 'mounted.db'),
      '--base-path',
      '/onboarding',
    ]);
    const other = await browser.context.newPage();
    other.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    try {
      const send = (body: object) =>
        fetch(`${mounted.url}/onboarding/webhooks/onboarding-status`, { method: 'POST', body: JSON.stringify(body) });
      expect((await send({ interviewId: 'm1', onboardingStatus: 'ID_VALIDATION_FINISHED' })).status).toBe(204);
      await other.route('**/*', (route) =>
        new URL(route.request().url()).origin === mounted.url ? route.continue() : route.abort(),
      );
      await other.goto(`${mounted.url}/onboarding`);
      expect(new URL(other.url()).pathname).toBe('/onboarding/');
      await other.locator('#rows tr[data-session="m1"]').waitFor(WAIT);
      await other.locator('#live.on').waitFor(WAIT);
      expect((await send({ interviewId: 'm2', onboardingStatus: 'ONBOARDING_FINISHED' })).status).toBe(204);
      await other.locator('#rows tr[data-session="m2"]').waitFor(WAIT);
      await other.locator('#rows tr[data-session="m1"]').click();
      await other.locator('#detail[data-loaded="m1"]').waitFor(WAIT);
    } finally {
      await other.close();
      await mounted.stop();
    }
  });

  it('ran without script errors or blocked resources', () => {
    expect(problems).toEqual([]);
  });
});
