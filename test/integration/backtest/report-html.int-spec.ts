import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHART_ATTRIBUTION, type PricePoint } from '../../../src/backtest/domain/report-html';
import { computeReportMetrics, type ClosedTrade, type EquityPoint } from '../../../src/backtest/domain/report-metrics';
import { replayJson } from '../../../src/backtest/recording-reader';
import { writeReport } from '../../../src/backtest/report-writer';
import { OrderBook } from '../../../src/order-book/domain/order-book';
import { Dec } from '../../../src/simulator/domain/exact-decimal';
import { chromiumAvailable, launchChromium } from '../../browser/chromium';
import { sharedPath } from '../../support/shared-data';

const BTC = sharedPath('data/bybit/btcusdt-l2-trades-2024-08-08-binance-usdm.jsonl.gz');

/**
 * A report over real prices: the BTCUSDT recording's mid sampled every second, and a handful of hand-placed trades
 * at those mids (entries every 40 s, alternating long/short, held 20 s). No trading rule is involved: the point is
 * the rendering, not the strategy.
 */
async function fixture(): Promise<Parameters<typeof writeReport>[1]> {
  const book = new OrderBook('BTCUSDT', { tickSize: '0.10', qtyStep: '0.001' });
  const mids: PricePoint[] = [];
  await replayJson(BTC, {
    book: (delta) => {
      book.apply(delta);
      const t = Math.floor(delta.ts / 1000) * 1000;
      const mid = (book.bestBid + book.bestAsk) / 2 / 10;
      if (mids.length === 0 || mids[mids.length - 1].timeMs !== t) mids.push({ timeMs: t, price: mid });
    },
    trades: () => undefined,
  });
  const midAt = (_symbol: string, t: number) => {
    let lo = 0;
    let hi = mids.length - 1;
    if (t < mids[0].timeMs) return undefined;
    while (lo < hi) {
      const m = (lo + hi + 1) >> 1;
      if (mids[m].timeMs <= t) lo = m;
      else hi = m - 1;
    }
    return mids[lo].price;
  };
  const startMs = mids[0].timeMs;
  const endMs = mids[mids.length - 1].timeMs;
  const trades: ClosedTrade[] = [];
  let equity = Dec.parse('10000');
  const curve: EquityPoint[] = [{ timeMs: startMs, equity: equity.toString() }];
  for (let t = startMs + 10_000, i = 0; t + 20_000 < endMs; t += 40_000, i++) {
    const entry = midAt('BTCUSDT', t)!.toFixed(2);
    const exit = midAt('BTCUSDT', t + 20_000)!.toFixed(2);
    const trade: ClosedTrade = {
      symbol: 'BTCUSDT',
      side: i % 2 === 0 ? 'Buy' : 'Sell',
      qty: '0.010',
      entryPrice: entry,
      exitPrice: exit,
      fees: '0.0617',
      entryTimeMs: t,
      exitTimeMs: t + 20_000,
      exitReason: i % 3 === 0 ? 'stop-loss' : 'take-profit',
      signalPrice: midAt('BTCUSDT', t - 1000)!.toFixed(2),
      fillLatencyMs: 12 + i,
      maker: i % 2 === 0,
    };
    trades.push(trade);
    const gross = Dec.parse(exit).sub(Dec.parse(entry)).mul(Dec.parse('0.010'));
    equity = equity.add(trade.side === 'Buy' ? gross : gross.neg()).sub(Dec.parse(trade.fees));
    curve.push({ timeMs: t + 20_000, equity: equity.toString() });
  }
  const metrics = computeReportMetrics({
    trades,
    equity: curve,
    entryOrdersPlaced: trades.length + 2,
    startMs,
    endMs,
    periodMs: 10_000,
    midAt,
  });
  return {
    title: 'Backtest <BTCUSDT> 2024-08-08',
    runInfo: {
      data: 'btcusdt-l2-trades-2024-08-08-binance-usdm.jsonl.gz',
      seed: '1',
      note: '<script>alert(1)</script>',
    },
    metrics,
    equity: curve,
    prices: { BTCUSDT: mids },
  };
}

describe('report.html', () => {
  let dir: string;
  let doc: Awaited<ReturnType<typeof fixture>>;
  let html: string;
  let htmlPath: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'backtest-report-'));
    doc = await fixture();
    htmlPath = writeReport(dir, doc).html;
    html = readFileSync(htmlPath, 'utf8');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is self-contained: the chart library and data inlined, no remote src/href/url(), attribution shown', () => {
    expect(doc.metrics.trades).toBeGreaterThanOrEqual(7);
    expect(html).not.toMatch(/\bsrc\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/@import|url\(\s*["']?https?:/i);
    expect(html).toContain('TradingView Lightweight Charts™ v5.3.0'); // the library's own licence header
    expect(html).toContain(CHART_ATTRIBUTION);
    expect(html).toContain('href="https://www.tradingview.com/"');
    // every trade is in the list, and text from the run is escaped
    expect(html.match(/<tr><td>\d+<\/td><td>BTCUSDT<\/td>/g)).toHaveLength(doc.metrics.trades);
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).not.toContain('<script>alert(1)');
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { metrics: { trades: number } };
    expect(report.metrics.trades).toBe(doc.metrics.trades);
  });

  (chromiumAvailable() ? it : it.skip)(
    'renders its charts in headless chromium with no network and no errors',
    async () => {
      const chromium = await launchChromium({ width: 1280, height: 1800 });
      try {
        const requests: string[] = [];
        await chromium.context.route(/^https?:/, (route) => {
          requests.push(route.request().url());
          return route.abort();
        });
        const page = await chromium.context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (error) => errors.push(error.message));
        page.on('console', (message) => {
          if (message.type() === 'error') errors.push(message.text());
        });
        await page.goto(pathToFileURL(htmlPath).href);
        await page.waitForFunction(`document.querySelectorAll('#prices canvas').length > 0`);
        const canvases = await page.evaluate<number[]>(
          `['#equity', '#drawdown', '#prices'].map((id) => document.querySelectorAll(id + ' canvas').length)`,
        );
        expect(canvases.every((n) => n > 0)).toBe(true);
        expect(errors).toEqual([]);
        expect(requests).toEqual([]);
        const shots = join(tmpdir(), 'backtest-report-shots');
        mkdirSync(shots, { recursive: true });
        await page.screenshot({ path: join(shots, 'report.png'), fullPage: true });
      } finally {
        await chromium.close();
      }
    },
  );
});
