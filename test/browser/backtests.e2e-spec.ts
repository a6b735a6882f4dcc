/**
 * The dashboard's Backtests screen in a real browser: the whole app (PostgreSQL, /ws), a recording the simulator
 * writes into BACKTEST_DATA_DIR, the run in a real worker thread. The operator picks the file, overrides a setting,
 * sets a seed, starts the run, watches it finish live and opens its report (report.html in a sandboxed frame).
 * Screenshots under test-artifacts/dashboard/ (gitignored). Skipped (never passed) without /usr/bin/chromium.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { simRecordOptionsFrom, writeSimRecording } from '../../src/backtest/sim-record.cli';
import { loginToken, startTestApp, TEST_PASSWORD, TestApp } from '../support/app';
import { chromiumAvailable, launchChromium, LaunchedChromium } from './chromium';

const ROOT = join(__dirname, '..', '..');
const ARTIFACTS = join(ROOT, 'test-artifacts', 'dashboard');

(chromiumAvailable() ? describe : describe.skip)('dashboard: backtests in chromium', () => {
  let ctx: TestApp;
  let chromium: LaunchedChromium;
  let page: Page;
  let dir: string;
  const pageErrors: string[] = [];
  const shot = (name: string, fullPage = false) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage });

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    execFileSync(process.execPath, [join(ROOT, 'ui', 'build.mjs'), '--quiet'], { cwd: ROOT, stdio: 'inherit' });
    dir = mkdtempSync(join(tmpdir(), 'backtests-browser-'));
    const data = join(dir, 'recordings');
    await writeSimRecording(
      simRecordOptionsFrom(['--record', join(data, 'sim-btc-20m.jsonl.gz'), '--minutes', '20', '--seed', '9']),
    );
    // Long enough (its cache is built first) that the operator can cancel it while it runs.
    await writeSimRecording(
      simRecordOptionsFrom(['--record', join(data, 'sim-btc-60m.jsonl.gz'), '--minutes', '60', '--seed', '2']),
    );
    ctx = await startTestApp({ TRADING_PAIRS: 'BTCUSDT', BACKTEST_DATA_DIR: data });
    chromium = await launchChromium();
    page = await chromium.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 120_000);
  afterAll(async () => {
    await chromium?.close();
    await ctx?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('should start a backtest from the screen, show it finish live, and open its report', async () => {
    await page.goto(`${ctx.baseUrl}/`);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByRole('link', { name: 'Backtests' }).click();
    await page.getByRole('heading', { name: 'Backtests', exact: true }).waitFor();
    await page.getByText('No backtests yet').waitFor();

    // Pick the file, override the strategy so the simulated market trades, set a seed.
    const form = page.getByRole('form', { name: 'Start a backtest' });
    expect(await form.getByLabel('Data file').inputValue()).toBe('sim-btc-20m.jsonl.gz');
    const settings: Array<[string, string]> = [
      ['IMBALANCE_BUY_THRESHOLD', '0.55'],
      ['IMBALANCE_SELL_THRESHOLD', '0.45'],
      ['MIN_CLUSTER_VOLUME', '1000'],
      ['SIGNAL_COOLDOWN_MS', '2000'],
    ];
    for (const [i, [name, value]] of settings.entries()) {
      await form.getByRole('button', { name: 'Add setting' }).click();
      await form.getByLabel(`Setting ${i + 1}`).selectOption(name);
      await form.getByLabel(`Value ${i + 1}`).fill(value);
    }
    await form.getByLabel('Seed').fill('4');
    await shot('15-backtests-form');
    await form.getByRole('button', { name: 'Start backtest' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Start backtest' }).click();

    // The run shows at once (the 202), then live through /ws until it finished; then its report opens.
    const row = page.locator('[data-backtest-id]').first();
    await row.waitFor();
    const id = await row.getAttribute('data-backtest-id');
    expect(id).toMatch(/^\d{8}-\d{6}-\d{3}-[0-9a-f]{6}$/);
    expect(await page.evaluate('location.hash')).toBe(`#/backtests/${id}`);
    // While it runs, its progress (share, messages/s, ETA) comes from the /ws pushes.
    await row
      .getByTestId('backtest-progress')
      .getByText(/msg\/s/)
      .waitFor({ timeout: 30_000 });
    await shot('15b-backtest-running');
    await row.getByText('succeeded').waitFor({ timeout: 90_000 });
    const frame = page.getByTestId('backtest-report');
    await frame.waitFor({ timeout: 15_000 });
    // The report's own script ran inside the sandbox: its charts are drawn.
    const report = page.frameLocator('[data-testid=backtest-report]');
    await report.locator('#equity canvas').first().waitFor({ timeout: 15_000 });
    await page.waitForTimeout(500);
    await shot('16-backtest-report', true);
    await report.locator('#equity').scrollIntoViewIfNeeded();
    await page.waitForTimeout(300);
    await frame.screenshot({ path: join(ARTIFACTS, '16b-backtest-report-charts.png') });

    // What the screen shows is what the API stored.
    const token = await loginToken(ctx.baseUrl);
    const run = (await (
      await fetch(`${ctx.baseUrl}/backtests/${id}`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { status: string; seed: number; settings: Record<string, string>; summary: { trades: number } };
    expect(run).toMatchObject({ status: 'succeeded', seed: 4, settings: Object.fromEntries(settings) });
    expect(run.summary.trades).toBeGreaterThan(0);
    expect(await row.locator('td').nth(3).textContent()).toBe(String(run.summary.trades));
    expect(await page.getByTestId('backtest-detail').textContent()).toContain('IMBALANCE_BUY_THRESHOLD=0.55');

    // A refused request shows the API's message naming the field, in the dialog that stays open.
    await form.getByRole('button', { name: 'Add setting' }).click();
    await form.getByLabel(`Setting ${settings.length + 1}`).selectOption('TAKE_PROFIT_PCT');
    await form.getByLabel(`Value ${settings.length + 1}`).fill('lots');
    await form.getByRole('button', { name: 'Start backtest' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Start backtest' }).click();
    await page.getByRole('dialog').getByRole('alert').waitFor();
    expect(await page.getByRole('dialog').getByRole('alert').textContent()).toMatch(/^settings\.TAKE_PROFIT_PCT: /);
    await shot('17-backtest-refused');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

    // A run started elsewhere (the API) shows up live and can be cancelled from the table, confirmed first.
    const started = (await (
      await fetch(`${ctx.baseUrl}/backtests`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ dataFile: 'sim-btc-60m.jsonl.gz' }),
      })
    ).json()) as { id: string };
    const longRow = page.locator(`[data-backtest-id="${started.id}"]`);
    await longRow.getByTestId('backtest-cancel').click({ timeout: 15_000 });
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel backtest' }).click();
    await longRow.getByText('cancelled by the operator').waitFor({ timeout: 15_000 });
    expect(await longRow.getByTestId('backtest-cancel').count()).toBe(0);
    await shot('17b-backtest-cancelled');
    expect(pageErrors).toEqual([]);
  }, 180_000);
});
