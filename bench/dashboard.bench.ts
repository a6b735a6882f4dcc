import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { createApp } from '../src/app.factory';
import { loadAppConfig } from '../src/infra/config/app-config';
import { scratchDatabase } from './execution.bench';
import { freePort, table } from './support';

const CHROMIUM = '/usr/bin/chromium';
const PASSWORD = 'bench-password-123456';
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'];
const PAINT_RUNS = 5;

/** The checkout (this file runs from dist-bench/bench/, so support's REPO_ROOT is dist-bench). */
function repoRoot(from = __dirname): string {
  return existsSync(join(from, 'package.json')) ? from : repoRoot(dirname(from));
}

/**
 * `npm run bench dashboard`: the operator dashboard in Debian's chromium against the whole app on loopback (the
 * simulator in process as the exchange, PostgreSQL from DATABASE_URL or the local server).
 * 1. JavaScript shipped, gzipped (target ≤ 300 KB).
 * 2. First meaningful paint: navigation start → the login form painted (first-contentful-paint), and → the overview
 *    showing live prices for a signed-in tab (token already in sessionStorage); cold (new profile) and warm (reload).
 *    Target ≤ 1 s.
 * 3. Exchange → screen latency of book updates: the overview subscribes orderbook:{symbol} for the 3 symbols, which
 *    the gateway pushes at most every 100 ms each (10 updates/s per symbol while the book moves); the page records,
 *    per push, the animation frame after it was rendered minus the update's exchange timestamp (same machine, so
 *    one clock). Target p95 ≤ 250 ms.
 */
export async function dashboardBench(seconds: number): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    console.log(`skipped: ${CHROMIUM} is not installed (apt-get install chromium)`);
    return;
  }
  const root = repoRoot();
  execFileSync(process.execPath, [join(root, 'ui', 'build.mjs'), '--quiet'], { cwd: root });
  const js = readFileSync(join(root, 'dist', 'ui', 'app.js'));
  const css = readFileSync(join(root, 'dist', 'ui', 'app.css'));

  const scratch = await scratchDatabase('ui');
  const dir = mkdtempSync(join(tmpdir(), 'bench-dashboard-'));
  const profile = mkdtempSync(join(tmpdir(), 'bench-dashboard-chromium-'));
  let app: Awaited<ReturnType<typeof createApp>> | undefined;
  let browser: Awaited<ReturnType<typeof chromium.launchPersistentContext>> | undefined;
  try {
    const config = loadAppConfig(
      {
        APP_PASSWORD: PASSWORD,
        SECRET_KEY: 'd'.repeat(64),
        DATABASE_URL: scratch.url,
        DATA_DIR: join(dir, 'data'),
        LOG_DIR: join(dir, 'logs'),
        LOG_STDOUT: 'false',
        LOG_LEVEL: 'warn',
        BYBIT_ENV: 'sim',
        SIM_PORT: String(await freePort()),
        TRADING_PAIRS: SYMBOLS.join(','),
      },
      { dotenvPath: false },
    );
    app = await createApp(config, scratch.url);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    await waitReady(`${base}/health/ready`);
    const login = await fetch(`${base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password: PASSWORD }),
    });
    const { accessToken: token, expiresIn } = (await login.json()) as {
      accessToken: string;
      expiresIn: number;
    };

    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 800 },
      // Playwright's string predicates are evaluated with eval, which the app's CSP (rightly) forbids.
      bypassCSP: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = await browser.newPage();

    // Login screen: first-contentful-paint of a fresh visitor (first run cold, then warm reloads).
    const loginPaints: number[] = [];
    for (let i = 0; i < PAINT_RUNS; i += 1) {
      await page.goto(`${base}/`, { waitUntil: 'load' });
      await page.waitForSelector('#password');
      loginPaints.push(
        (await page.evaluate(
          `performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? performance.now()`,
        )) as number,
      );
    }

    // Signed-in tab: navigation → the overview painted with live prices for every symbol.
    await page.evaluate(
      `sessionStorage.setItem('bybit-scalper.token', ${JSON.stringify(token)});` +
        `sessionStorage.setItem('bybit-scalper.expires-at', String(Date.now() + ${expiresIn * 1000}))`,
    );
    const livePaints: number[] = [];
    for (let i = 0; i < PAINT_RUNS; i += 1) {
      await page.reload({ waitUntil: 'commit' }); // the overview is the default screen
      await page.waitForFunction(
        `document.querySelectorAll('.market [data-testid=best-bid]').length === ${SYMBOLS.length} &&
         [...document.querySelectorAll('.market [data-testid=best-bid]')].every((e) => /\\d/.test(e.textContent))`,
        undefined,
        { polling: 'raf', timeout: 20_000 },
      );
      livePaints.push((await page.evaluate('performance.now()')) as number);
    }

    // Book latency on the overview (3 symbols), measured in the page.
    await page.evaluate('window.__dashboardLatency.reset()');
    await page.waitForTimeout(seconds * 1000);
    const [count, p50, p95, p99] = (await page.evaluate(
      `[window.__dashboardLatency.count(), ...[50, 95, 99].map((p) => window.__dashboardLatency.percentile(p))]`,
    )) as [number, number, number, number];

    const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
    table([
      { metric: 'app.js gzipped (target ≤ 300 KB)', value: kb(gzipSync(js).length), raw: kb(js.length) },
      { metric: 'app.css gzipped', value: kb(gzipSync(css).length), raw: kb(css.length) },
      {
        metric: 'login FCP ms, cold / warm median',
        value: `${loginPaints[0]!.toFixed(0)} / ${median(loginPaints.slice(1)).toFixed(0)}`,
        raw: loginPaints.map((v) => v.toFixed(0)).join(' '),
      },
      {
        metric: 'overview with live prices ms, first / median (target ≤ 1000)',
        value: `${livePaints[0]!.toFixed(0)} / ${median(livePaints).toFixed(0)}`,
        raw: livePaints.map((v) => v.toFixed(0)).join(' '),
      },
      {
        metric: `book updates rendered in ${seconds} s (3 symbols)`,
        value: count,
        raw: `${(count / seconds / SYMBOLS.length).toFixed(1)} /s per symbol`,
      },
      {
        metric: 'exchange → screen ms p50 / p95 / p99 (target p95 ≤ 250)',
        value: `${p50.toFixed(0)} / ${p95.toFixed(0)} / ${p99.toFixed(0)}`,
        raw: '',
      },
    ]);
  } finally {
    await browser?.close();
    await app?.close();
    await scratch.drop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function waitReady(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if ((await fetch(url).catch(() => undefined))?.status === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not 200 within 60 s`);
}
