import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BacktestSettingsError,
  runBacktest,
  writeBacktestOutput,
  type BacktestRunResult,
} from '../../../src/backtest/backtest-runner';
import { Dec } from '../../../src/simulator/domain/exact-decimal';
import { deltaLine, snapshotLine, type Levels } from '../../support/recording-lines';

/**
 * The backtest end to end on golden recordings small enough to check by hand: a snapshot on which the live
 * imbalance strategy buys (bid share ≥ 0.75 over the top 5 levels, a 20,000 USDT bid cluster at 100.0), so the
 * kernel sends a market Buy of ORDER_SIZE_USDT 150 / signal price 100.0 (the best bid) = 1.500 BTCUSDT, which walks
 * three ask levels. The data then ends and the run closes the position at market on the
 * last book (END_OF_DATA), selling 1.5 into the 100.0 bid.
 */

const T0 = 1_735_689_600_000; // 2025-01-01T00:00:00Z
const SYMBOL = 'BTCUSDT';

const snapshot = (ts: number, u: number, bids: Levels, asks: Levels): string => snapshotLine(SYMBOL, ts, u, bids, asks);
const delta = (ts: number, u: number, bids: Levels, asks: Levels): string => deltaLine(SYMBOL, ts, u, bids, asks);

const BIDS: Array<[string, string]> = [
  ['100.0', '200'],
  ['99.9', '10'],
  ['99.8', '10'],
];
const ASKS: Array<[string, string]> = [
  ['100.1', '0.5'],
  ['100.2', '0.5'],
  ['100.3', '1.0'],
  ['100.4', '5.0'],
];

describe('backtest engine (golden recordings)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'backtest-engine-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function recording(name: string, lines: string[]): string {
    const file = join(dir, `${name}.jsonl`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  }

  async function run(file: string, overrides: Record<string, string> = {}): Promise<BacktestRunResult> {
    return runBacktest({
      dataPath: file,
      overrides: { DATA_DIR: join(dir, 'data'), ORDER_SIZE_USDT: '150', ...overrides },
      seed: 7,
    });
  }

  it('fills a market order across three visible ask levels, with fees and PnL as computed by hand', async () => {
    const file = recording('three-levels', [snapshot(T0, 1, BIDS, ASKS)]);
    const result = await run(file);
    const m = result.report.metrics;
    expect(result.report.counters).toMatchObject({ signals: 1, signal_sent: 1, venue_creates: 2 });
    expect(m.trades).toBe(1);
    const trade = m.tradeList[0];
    // 0.5 @ 100.1 + 0.5 @ 100.2 + 0.5 @ 100.3 = 150.30 → average 100.2 exactly; exit 1.5 @ 100.0 = 150.0.
    expect(trade).toMatchObject({
      side: 'Buy',
      qty: '1.500',
      exitPrice: '100',
      exitReason: 'END_OF_DATA',
      maker: false,
    });
    expect(Number(trade.entryPrice)).toBe(100.2);
    // Taker fee 0.055 %: entry 150.30 × 0.00055 = 0.082665, exit 150.0 × 0.00055 = 0.0825.
    expect(Dec.parse(trade.fees).eq(Dec.parse('0.165165'))).toBe(true);
    // Net = (150.0 − 150.30) − 0.165165 = −0.465165.
    expect(Dec.parse(trade.netPnl).eq(Dec.parse('-0.465165'))).toBe(true);
    expect(Dec.parse(result.report.reconciliation.kernelNetPnl).eq(Dec.parse('-0.465165'))).toBe(true);
    expect(Dec.parse(result.report.reconciliation.venueEquityChange).eq(Dec.parse('-0.465165'))).toBe(true);
    // Slippage vs the signal price (the 100.0 bid): (100.2 − 100.0) / 100.0 = 20 bps.
    expect(m.entrySlippageBps).toBeCloseTo(20, 9);
    // Signal → first fill = compute 0.04 ms is before the signal; 10 ms to the venue + 10 ms back.
    expect(m.fillLatencyMs.p50).toBe(20);
    expect(m.fillRatio).toBe(1);
  });

  it('never fills beyond the visible book: a market order larger than the asks fills what is shown', async () => {
    const file = recording('thin', [snapshot(T0, 1, BIDS, ASKS)]);
    const result = await run(file, { ORDER_SIZE_USDT: '1000', MAX_EXPOSURE_USDT: '5000' });
    const trade = result.report.metrics.tradeList[0];
    // Visible asks: 0.5 + 0.5 + 1.0 + 5.0 = 7.0 lots < 10.0 asked: the IOC rest is cancelled.
    expect(trade.qty).toBe('7.000');
    // (50.05 + 50.10 + 100.30 + 502.00) / 7 = 702.45 / 7
    expect(Number(trade.entryPrice)).toBeCloseTo(702.45 / 7, 6);
  });

  it('latency changes the fill price in the expected direction when the asks move up before the order arrives', async () => {
    // 5 ms after the signal's book, the two cheapest asks are gone and a level at 100.5 appears.
    const lines = [
      snapshot(T0, 1, BIDS, ASKS),
      delta(
        T0 + 5,
        2,
        [],
        [
          ['100.1', '0'],
          ['100.2', '0'],
          ['100.5', '5'],
        ],
      ),
    ];
    const fast = await run(recording('latency-fast', lines), { BACKTEST_LATENCY_TO_VENUE_MS: '0' });
    const slow = await run(recording('latency-slow', lines), { BACKTEST_LATENCY_TO_VENUE_MS: '10' });
    const fastEntry = Number(fast.report.metrics.tradeList[0].entryPrice);
    const slowEntry = Number(slow.report.metrics.tradeList[0].entryPrice);
    expect(fastEntry).toBe(100.2); // arrived before the delta: the three-level walk above
    // After it: 1.0 @ 100.3 + 0.5 @ 100.4 = 150.50 / 1.5
    expect(slowEntry).toBeCloseTo(150.5 / 1.5, 9);
    expect(slowEntry).toBeGreaterThan(fastEntry);
  });

  it('warms up on messages before --from without trading, and skips messages from --to on', async () => {
    const lines = [
      snapshot(T0, 1, BIDS, ASKS), // would signal, but it is warm-up
      delta(T0 + 1000, 2, [['99.7', '1']], []), // in the window: the book (from the warm-up snapshot) signals here
      delta(T0 + 9000, 3, [['99.6', '1']], []), // beyond --to: never seen
    ];
    const file = recording('window', lines);
    const result = await runBacktest({
      dataPath: file,
      fromMs: T0 + 500,
      toMs: T0 + 5000,
      overrides: { DATA_DIR: join(dir, 'data'), ORDER_SIZE_USDT: '150' },
      seed: 7,
    });
    expect(result.report.counters).toMatchObject({ messages: 2, bookMessages: 2, signals: 1, signal_sent: 1 });
    expect(result.report.metrics.trades).toBe(1);
    expect(result.report.metrics.tradeList[0].entryTimeMs).toBeGreaterThanOrEqual(T0 + 1000);
    const none = await runBacktest({
      dataPath: file,
      fromMs: T0 + 500,
      toMs: T0 + 900,
      overrides: { DATA_DIR: join(dir, 'data') },
    });
    expect(none.report.counters.signals ?? 0).toBe(0);
  });

  it('crosses a long gap in the data without a timer tick or an equity point per period', async () => {
    const gap = 90 * 86_400_000; // two recordings three months apart, replayed as one directory would be
    const lines = [snapshot(T0, 1, BIDS, ASKS), delta(T0 + gap, 2, [['99.7', '1']], [])];
    const started = Date.now();
    const result = await run(recording('gap', lines));
    expect(Date.now() - started).toBeLessThan(10_000);
    // One point at the start, one before the gap's end, one at it and the final one (not 7.8 million).
    expect(result.report.equity.length).toBeLessThan(10);
    // The first position is closed by the max-hold sweep 300 s into the gap; the second signal opens another.
    expect(result.report.metrics.tradeList.map((t) => t.exitReason)).toEqual(['MAX_HOLD_TIME', 'END_OF_DATA']);
    expect(result.report.metrics.tradeList[0].exitTimeMs - result.report.metrics.tradeList[0].entryTimeMs).toBeLessThan(
      301_000,
    );
  });

  it('refuses an unknown --set key, naming it, before reading any data', async () => {
    const file = recording('any', [snapshot(T0, 1, BIDS, ASKS)]);
    await expect(run(file, { NOT_A_SETTING: '1' })).rejects.toThrow(BacktestSettingsError);
    await expect(run(file, { NOT_A_SETTING: '1' })).rejects.toThrow(/NOT_A_SETTING/);
    await expect(run(file, { BACKTEST_LATENCY_TO_VENUE_MS: 'soon' })).rejects.toMatchObject({
      code: 'BAD_SETTING',
      details: expect.objectContaining({ key: 'BACKTEST_LATENCY_TO_VENUE_MS' }),
    });
    await expect(run(file, { IMBALANCE_BUY_THRESHOLD: '2' })).rejects.toMatchObject({
      code: 'BAD_SETTING',
      details: expect.objectContaining({ key: 'IMBALANCE_BUY_THRESHOLD' }),
    });
    await expect(run(join(dir, 'missing.jsonl'))).rejects.toMatchObject({ code: 'NO_DATA' });
    await expect(run(file, { TRADING_PAIRS: 'ETHUSDT' })).rejects.toMatchObject({
      code: 'NO_DATA',
      details: expect.objectContaining({ key: 'TRADING_PAIRS' }),
    });
  });

  it('writes report.json and a report.html that needs no network', async () => {
    const file = recording('out', [snapshot(T0, 1, BIDS, ASKS)]);
    const result = await run(file);
    const out = join(dir, 'out');
    await writeBacktestOutput(out, result);
    const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { metrics: { trades: number } };
    expect(json.metrics.trades).toBe(1);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('LightweightCharts');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/);
  });
});
