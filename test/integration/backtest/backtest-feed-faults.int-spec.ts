import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBacktest, type BacktestRunResult } from '../../../src/backtest/backtest-runner';
import { simRecordOptionsFrom, writeSimRecording } from '../../../src/backtest/sim-record.cli';
import { RESYNC_WATCHDOG_MS } from '../../../src/order-book/domain/resync-policy';
import { deltaLine, snapshotLine, type Levels } from '../../support/recording-lines';

/**
 * The fault profile's feed gaps (BACKTEST_FAULT_FEED_GAP_RATE / _MS): the venue sees every recorded message, the
 * bot's feed loses some; the bot's book notices (the live gap check), asks for a snapshot through the live resync
 * policy and gets the venue's book a round trip later.
 */

const T0 = 1_735_689_600_000;
const SYMBOL = 'BTCUSDT';
// A book on which the live imbalance strategy buys at once (see backtest-engine.int-spec.ts).
const BIDS: Levels = [
  ['100.0', '200'],
  ['99.9', '10'],
  ['99.8', '10'],
];
const ASKS: Levels = [
  ['100.1', '0.5'],
  ['100.2', '0.5'],
  ['100.3', '1.0'],
  ['100.4', '5.0'],
];

describe('backtest feed faults', () => {
  let dir: string;
  let sim: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'backtest-feed-faults-'));
    sim = join(dir, 'sim.jsonl.gz');
    await writeSimRecording(simRecordOptionsFrom(['--record', sim, '--minutes', '6', '--seed', '4', '--depth', '50']));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (dataPath: string, overrides: Record<string, string>, seed = 5): Promise<BacktestRunResult> =>
    runBacktest({ dataPath, overrides: { DATA_DIR: join(dir, 'data'), ...overrides }, seed });

  it('resyncs a bot whose feed lost everything from the venue, one watchdog period and a round trip late', async () => {
    const file = join(dir, 'golden.jsonl');
    // The snapshot, then quiet deltas (a deep bid level changes) that keep the buy imbalance.
    const lines = [snapshotLine(SYMBOL, T0, 1, BIDS, ASKS)];
    for (let u = 2; u <= 11; u++) lines.push(deltaLine(SYMBOL, T0 + (u - 1) * 100, u, [['99.0', String(u)]], []));
    writeFileSync(file, `${lines.join('\n')}\n`);
    const settings = { ORDER_SIZE_USDT: '150', BACKTEST_CACHE: 'false' };

    const clean = await run(file, settings);
    const lost = await run(file, { ...settings, BACKTEST_FAULT_FEED_GAP_RATE: '1' });

    // Without faults: the signal on the snapshot, at the venue 10 ms later.
    expect(clean.report.metrics.tradeList[0].entryTimeMs).toBe(T0 + 10);
    expect(clean.report.counters).toMatchObject({ feed_outages: 0, feed_resyncSnapshots: 0 });
    // Every message lost: the watchdog finds the book without a snapshot at T0 + 250, asks, and the venue's book
    // (the snapshot plus the deltas up to then) arrives 10 + 10 ms later; the same entry follows 10 ms after it.
    expect(lost.report.counters).toMatchObject({
      feed_outages: 11,
      feed_lostBookMessages: 11,
      feed_resyncRequests: 1,
      feed_resyncSnapshots: 1,
      signals: 1,
      signal_sent: 1,
    });
    expect(lost.report.metrics.tradeList[0].entryTimeMs).toBe(T0 + RESYNC_WATCHDOG_MS + 20 + 10);
    expect(lost.report.metrics.tradeList[0].entryPrice).toBe(clean.report.metrics.tradeList[0].entryPrice);
  });

  it('notices each lost frame at the next message, resyncs, and keeps trading on a simulator recording', async () => {
    const clean = await run(sim, {});
    const faulty = await run(sim, { BACKTEST_FAULT_FEED_GAP_RATE: '0.002' });
    const c = faulty.report.counters;
    expect(c.feed_outages).toBeGreaterThan(3);
    // A lost frame: just that book message (0 ms outage), seen as a gap in u at the next one (unless a resync
    // was already pending), each gap answered by a snapshot of the venue's book.
    expect(c.feed_lostBookMessages).toBe(c.feed_outages);
    expect(c.feed_lostTradeMessages).toBe(0);
    expect(c.bookGaps).toBeGreaterThan(0);
    expect(c.bookGaps).toBeLessThanOrEqual(c.feed_outages);
    expect(c.feed_resyncSnapshots).toBe(c.feed_resyncRequests);
    expect(c.feed_resyncRequests).toBeGreaterThanOrEqual(c.bookGaps);
    expect(clean.report.counters.bookGaps).toBe(0);
    // The bot still trades: every resync brought its book back.
    expect(faulty.report.metrics.trades).toBeGreaterThan(0);
    expect(c.messages).toBe(clean.report.counters.messages);
  });

  it('loses book and trade messages for the length of an outage, the same ones for the same seed', async () => {
    const settings = { BACKTEST_FAULT_FEED_GAP_RATE: '0.001', BACKTEST_FAULT_FEED_GAP_MS: '3000' };
    const first = await run(sim, settings);
    const again = await run(sim, settings);
    const other = await run(sim, settings, 6);
    const c = first.report.counters;
    expect(c.feed_outages).toBeGreaterThan(0);
    expect(c.feed_lostBookMessages).toBeGreaterThan(c.feed_outages);
    expect(c.feed_resyncSnapshots).toBeGreaterThan(0);
    expect(JSON.stringify(again.report)).toBe(JSON.stringify(first.report));
    expect(other.report.counters.feed_lostBookMessages).not.toBe(c.feed_lostBookMessages);
  });

  it('refuses a feed-gap rate outside 0–1, naming the setting', async () => {
    await expect(run(sim, { BACKTEST_FAULT_FEED_GAP_RATE: '1.5' })).rejects.toThrow(/BACKTEST_FAULT_FEED_GAP_RATE/);
  });
});
