/**
 * The operator dashboard in a real browser. Real: the whole app (Fastify, PostgreSQL, the built-in simulator as the
 * exchange, /ws), the dashboard as `npm run build` makes it, Debian's chromium driven by playwright-core. Faked:
 * nothing. Without /usr/bin/chromium the browser tests are reported as skipped (never passed); .ci/run installs it.
 * A screenshot of every screen is kept under test-artifacts/dashboard/ (gitignored).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { RestClientV5 } from 'bybit-api';
import type { Page } from 'playwright-core';
import { loginToken, startTestApp, TEST_PASSWORD, TestApp } from '../support/app';
import { chromiumAvailable, launchChromium, LaunchedChromium } from './chromium';

const ROOT = join(__dirname, '..', '..');
const ARTIFACTS = join(ROOT, 'test-artifacts', 'dashboard');

/**
 * A strategy that signals often on the simulator's book, buys only (no counter-signal exits), one position at a
 * time, held until closed by hand.
 */
const EAGER_STRATEGY = {
  TRADING_PAIRS: 'BTCUSDT,ETHUSDT,SOLUSDT',
  IMBALANCE_BUY_THRESHOLD: '0.55',
  IMBALANCE_SELL_THRESHOLD: '0',
  MIN_CLUSTER_VOLUME: '1',
  SIGNAL_COOLDOWN_MS: '500',
  MAX_OPEN_POSITIONS: '1',
  TAKE_PROFIT_PCT: '5',
  STOP_LOSS_PCT: '5',
  MAX_HOLD_SECONDS: '3600',
};

function buildDashboard(): void {
  execFileSync(process.execPath, [join(ROOT, 'ui', 'build.mjs'), '--quiet'], { cwd: ROOT, stdio: 'inherit' });
}

/** What the test reads of a canvas in the page (this file is type-checked without the DOM library). */
interface PixelCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
}

/** The decimal an `exact()` cell shows, back in the API's form: no "+", no padding zeros ("+1.50" → "1.5"). */
function decimalOfShown(text: string): string {
  const plain = text.replace(/^\+/, '');
  if (!plain.includes('.')) return plain;
  return plain.replace(/0+$/, '').replace(/\.$/, '');
}

async function poll<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('dashboard: served by the app', () => {
  let ctx: TestApp;
  beforeAll(async () => {
    buildDashboard();
    ctx = await startTestApp({ TRADING_PAIRS: 'BTCUSDT' });
  }, 90_000);
  afterAll(() => ctx.close());

  it('should give a browser the dashboard at / and every other client the JSON service description', async () => {
    const page = await fetch(`${ctx.baseUrl}/`, {
      headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' },
    });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('vary')).toMatch(/accept/i);
    expect(await page.text()).toContain('<script type="module" src="/ui/app.js">');

    for (const accept of ['*/*', 'application/json']) {
      const json = await fetch(`${ctx.baseUrl}/`, { headers: { accept } });
      expect(json.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await json.json()).toMatchObject({ service: 'bybit-scalper', docs: '/docs' });
    }
    expect((await fetch(`${ctx.baseUrl}/health`)).headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('should serve its assets from the app with ETags, JavaScript within 300 KB gzipped, no token needed', async () => {
    const js = await fetch(`${ctx.baseUrl}/ui/app.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    const body = Buffer.from(await js.arrayBuffer());
    expect(gzipSync(body).length).toBeLessThanOrEqual(300 * 1024);
    const etag = js.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await fetch(`${ctx.baseUrl}/ui/app.js`, { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
    expect((await fetch(`${ctx.baseUrl}/ui/app.css`)).headers.get('content-type')).toMatch(/^text\/css/);
    const missing = await fetch(`${ctx.baseUrl}/ui/nope.js`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ statusCode: 404 });
  });
});

(chromiumAvailable() ? describe : describe.skip)('dashboard in chromium', () => {
  let ctx: TestApp;
  let chromium: LaunchedChromium;
  let page: Page;
  const pageErrors: string[] = [];
  let rest: RestClientV5;

  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  const go = async (hash: string) => {
    // Browser-side code as strings: this file is type-checked without the DOM library.
    await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
  };
  const simPositions = async () => {
    const answer = await rest.getPositionInfo({ category: 'linear', settleCoin: 'USDT' });
    return answer.result.list.filter((p) => Number(p.size) > 0);
  };
  const api = async (path: string, token: string) =>
    (await fetch(`${ctx.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } })).json() as Promise<any>;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    buildDashboard();
    ctx = await startTestApp(EAGER_STRATEGY);
    rest = new RestClientV5({
      key: ctx.config.simulator.apiKey,
      secret: ctx.config.simulator.apiSecret,
      baseUrl: `http://127.0.0.1:${ctx.config.simulator.port}`,
    });
    chromium = await launchChromium();
    page = await chromium.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 90_000);
  afterAll(async () => {
    await chromium?.close();
    await ctx?.close();
  });

  it('should sign in, show live books, trade on the simulator, close from the UI, block entries by kill switch, sign out', async () => {
    // Login: a wrong password shows the API's message; the right one opens the overview.
    await page.goto(`${ctx.baseUrl}/`);
    await page.getByLabel('Password').fill('not-the-password');
    await shot('01-login');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/password/i);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    // The token is in sessionStorage, never in the address bar.
    expect(page.url()).not.toMatch(/token|eyJ/);
    await page.locator('.market [data-testid=best-bid]').first().filter({ hasText: /\d/ }).waitFor();
    await page.getByText('feed live').waitFor();
    await shot('02-overview');

    // The ladder follows the book: its update id moves while we watch.
    await go('#/symbol/BTCUSDT');
    const ladder = page.getByTestId('ladder');
    await ladder.locator('tr.bid').first().waitFor();
    const firstU = Number(await ladder.getAttribute('data-u'));
    // Polled from here: a string predicate in waitForFunction is eval'd by the page, which the app's CSP refuses
    // whenever the first check is not already true.
    await poll(
      () => ladder.getAttribute('data-u'),
      (u) => Number(u) > firstU,
      10_000,
      'a newer book in the ladder',
    );
    // The heatmap keeps 2 books a second: 6 s of them (the imbalance chart draws its points meanwhile).
    const heatmap = page.getByTestId('heatmap');
    await poll(
      () => heatmap.getAttribute('data-columns'),
      (columns) => Number(columns) >= 12,
      15_000,
      '3 s of book history in the heatmap',
    );
    // Painted: bid cells green-dominant and ask cells red-dominant on the dark background.
    const painted = await heatmap.evaluate((canvas: PixelCanvas) => {
      const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let bid = 0;
      let ask = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 1]! > d[i]! + 40 && d[i + 1]! > 60) bid++;
        else if (d[i]! > d[i + 1]! + 40 && d[i]! > 60) ask++;
      }
      return { bid, ask };
    });
    expect(painted.bid).toBeGreaterThan(100);
    expect(painted.ask).toBeGreaterThan(100);
    await shot('03-symbol-btcusdt');

    // Start the bot through its confirmation dialog.
    await go('#/overview');
    await page.getByRole('button', { name: 'Start bot' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Start bot' }).click();
    await page.getByText('bot running').waitFor({ timeout: 20_000 });

    // A position opens on the simulator and shows in the UI.
    await go('#/positions');
    const row = page.getByTestId('positions-table').locator('tbody tr').first();
    await row.waitFor({ timeout: 60_000 });
    const positionId = await row.getAttribute('data-position-id');
    expect(positionId).toBeTruthy();
    const onVenue = await poll(simPositions, (list) => list.length === 1, 10_000, 'the position on the simulator');
    const symbol = onVenue[0]!.symbol;
    expect(await row.textContent()).toContain(symbol);
    await page.getByTestId('orders-table').locator('tbody tr').first().waitFor();
    await shot('04-positions-orders');

    // Kill switch from the overview: the dialog asks for a reason, recorded in the audit log.
    await go('#/overview');
    await page.getByRole('button', { name: 'Kill switch' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/Reason/).fill('browser test');
    await dialog.getByRole('button', { name: 'Activate kill switch' }).click();
    await page.getByRole('button', { name: 'Reset kill switch' }).waitFor();
    await shot('05-overview-kill-switch');

    // Close the position from the UI: gone from the table and flat on the simulator.
    await go('#/positions');
    await page.getByRole('button', { name: new RegExp(`Close ${symbol}`) }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Close position' }).click();
    await page.getByText('No open positions.').waitFor({ timeout: 30_000 });
    await poll(simPositions, (list) => list.length === 0, 15_000, 'a flat simulator account');

    // With the kill switch on, signals keep coming and are refused: no new position, on the venue or in the UI.
    const token = await loginToken(ctx.baseUrl);
    await poll(
      () => api('/trading/risk-status', token),
      (risk) => risk.rejections.KILL_SWITCH_ACTIVE >= 2,
      30_000,
      'entries refused by the kill switch',
    );
    expect(await simPositions()).toEqual([]);
    expect(await page.getByText('No open positions.').isVisible()).toBe(true);
    await go('#/risk');
    await page.getByText('KILL_SWITCH_ACTIVE').waitFor();
    await shot('06-risk');

    // Trade history: the position closed from the UI is there with the API's own figures, and so are the totals.
    const trades = await poll(
      () => api('/trading/trades', token),
      (answer) => answer.items.some((t: { positionId: string }) => t.positionId === positionId),
      15_000,
      'the closed position in GET /trading/trades',
    );
    const trade = trades.items.find((t: { positionId: string }) => t.positionId === positionId);
    expect(trade).toMatchObject({ symbol, side: 'Buy', exitReason: 'MANUAL' });
    await go('#/trades');
    const tradeRow = page.getByTestId('trades-table').locator(`tr[data-position-id="${positionId}"]`);
    await tradeRow.waitFor({ timeout: 15_000 });
    const cells = await tradeRow.locator('td').allTextContents();
    expect(cells[1]).toBe(symbol);
    expect(cells[2]).toBe('Long');
    expect(cells[7]).toBe('MANUAL');
    // Shown exactly as the API sent it (padded with zeros, signed), not rounded through a float.
    const shownNet = await tradeRow.getByTestId('trade-net').textContent();
    expect(decimalOfShown(shownNet!)).toBe(trade.netPnl);
    const totals = page.getByRole('region', { name: 'Trade totals' });
    expect(await totals.getByTestId('stat-Trades').textContent()).toBe(String(trades.totals.count));
    expect(decimalOfShown((await totals.getByTestId('stat-Net PnL (USDT)').textContent())!)).toBe(trades.totals.netPnl);
    expect(await page.getByText(`1–${trades.total} of ${trades.total}`).isVisible()).toBe(true);
    // A filter goes to the server: no STOP_LOSS trades were made here.
    await page.getByLabel('Exit reason').selectOption('STOP_LOSS');
    await page.getByText('No closed positions match.').waitFor();
    await page.getByLabel('Exit reason').selectOption('MANUAL');
    await tradeRow.waitFor();
    await shot('07-trades');
    // The same trade is marked on the symbol's 1-minute candles (its exit; the entry arrow is drawn too).
    await go(`#/symbol/${symbol}`);
    await page.locator('[data-exit-marks="1"]').waitFor({ timeout: 15_000 });
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(ARTIFACTS, '14-symbol-trade-marked.png'), fullPage: true });

    // The other screens render.
    for (const [hash, name, heading] of [
      ['#/audit', '08-audit', 'Audit log'],
      ['#/controls', '09-controls', 'Controls'],
      ['#/backtests', '10-backtests', 'Backtests'],
    ] as const) {
      await go(hash);
      await page.getByRole('heading', { name: heading }).first().waitFor();
      if (name === '08-audit') await page.getByTestId('audit-table').waitFor();
      await page.waitForTimeout(300);
      await shot(name);
    }
    // No recordings in this app's BACKTEST_DATA_DIR (DATA_DIR/recordings): the screen says where to put one.
    await page.getByText('No recordings in').waitFor();
    await page.getByText('No backtests yet').waitFor();

    // A refused control shows the API's own message in its dialog, which stays open.
    await go('#/controls');
    await page.getByLabel('Current password').fill('not the current password');
    await page.getByLabel('New password').fill('another long passphrase 42');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('dialog').getByRole('alert').waitFor();
    expect(await page.getByRole('dialog').getByRole('alert').textContent()).toContain('currentPassword is wrong');
    await shot('13-control-error');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

    // Phone width: the overview still works.
    await go('#/overview');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(ARTIFACTS, '11-overview-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });

    // Sign out: back to the login screen, the token gone from the tab.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Operator sign-in' }).waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    expect(pageErrors).toEqual([]);
  }, 240_000);

  it('should send the user back to the login screen with the reason when the token is revoked', async () => {
    await page.goto(`${ctx.baseUrl}/`);
    await page.evaluate('sessionStorage.clear()');
    await page.reload();
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    // Another client changes the password: every earlier token, the browser's included, is revoked.
    const token = await loginToken(ctx.baseUrl);
    const changed = await fetch(`${ctx.baseUrl}/auth/change-password`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ currentPassword: TEST_PASSWORD, newPassword: 'another long passphrase 42' }),
    });
    expect(changed.status).toBeLessThan(300);
    await page.getByRole('heading', { name: 'Operator sign-in' }).waitFor({ timeout: 15_000 });
    expect(await page.getByRole('status').textContent()).toMatch(/Signed out/);
    await shot('12-login-revoked');
  }, 60_000);
});
