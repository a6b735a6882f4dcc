import { OrderBookService } from '../../src/order-book/order-book.service';
import { RESYNC_MIN_INTERVAL_MS, RESYNC_WATCHDOG_MS } from '../../src/order-book/domain/resync-policy';
import { startTestApp, TestApp } from '../support/app';
import { bookStates, simPost, sleep, timeUntilAllFresh } from './realtime-support';

/**
 * Gap and drop bursts against the whole app fed by the in-process simulator (loopback, bounded, stops by itself).
 * A book that needs a resync must always get one: a second gap inside RESYNC_MIN_INTERVAL_MS is deferred, not
 * dropped, and a resubscribe whose snapshot is lost is retried. Bound once faults stop: the limiter's window, one
 * watchdog period and a generous allowance for the snapshot round trip on a loaded machine.
 */
const RECOVERY_BOUND_MS = RESYNC_MIN_INTERVAL_MS + RESYNC_WATCHDOG_MS + 1500;

describe('realtime reliability: order books resync after gap and drop bursts', () => {
  let ctx: TestApp;
  const figures: Record<string, number> = {};

  beforeAll(async () => {
    ctx = await startTestApp({ TRADING_PAIRS: 'BTCUSDT,ETHUSDT,SOLUSDT' });
    await timeUntilAllFresh(ctx, 10_000);
  }, 60_000);
  afterAll(async () => {
    await simPost(ctx, '/sim/faults', { wsDropRate: 0 }).catch(() => undefined);
    await ctx.close();
    console.info(`realtime resync figures (ms): ${JSON.stringify(figures)}`);
  });

  const gaps = (symbol: string) => ctx.app.get(OrderBookService).book(symbol)?.gaps ?? 0;

  it('should resync a book hit by two gaps 300 ms apart (the second inside the limiter window)', async () => {
    const before = gaps('BTCUSDT');
    await simPost(ctx, '/sim/gap', { symbol: 'BTCUSDT', depth: 50 });
    await sleep(300);
    await simPost(ctx, '/sim/gap', { symbol: 'BTCUSDT', depth: 50 });
    // Wait until the bot has seen both gaps, so the test cannot pass on a gap that never happened.
    const deadline = Date.now() + 5000;
    while (gaps('BTCUSDT') < before + 2 && Date.now() < deadline) await sleep(10);
    expect(gaps('BTCUSDT')).toBeGreaterThanOrEqual(before + 2);
    figures.twoGaps = await timeUntilAllFresh(ctx, RECOVERY_BOUND_MS);
    // Still fresh a while later: the book is live, not just re-snapshotted once.
    await sleep(ctx.config.trading.orderbookStaleMs / 2);
    expect(Object.values(await bookStates(ctx))).toEqual(ctx.config.trading.pairs.map(() => 'fresh'));
  });

  it('should resync every book after a burst of gaps on all symbols', async () => {
    const symbols = ctx.config.trading.pairs;
    const before = symbols.map(gaps);
    for (let round = 0; round < 5; round++) {
      for (const symbol of symbols) await simPost(ctx, '/sim/gap', { symbol, depth: 50 });
      await sleep(120);
    }
    await sleep(100);
    symbols.forEach((symbol, i) => expect(gaps(symbol)).toBeGreaterThan(before[i]));
    figures.gapBurst = await timeUntilAllFresh(ctx, RECOVERY_BOUND_MS);
  });

  it('should resync every book once a WebSocket drop rate of 5 % stops', async () => {
    const symbols = ctx.config.trading.pairs;
    const before = symbols.map(gaps);
    await simPost(ctx, '/sim/faults', { wsDropRate: 0.05 });
    await sleep(6000);
    await simPost(ctx, '/sim/faults', { wsDropRate: 0 });
    symbols.forEach((symbol, i) => expect(gaps(symbol)).toBeGreaterThan(before[i]));
    figures.dropRate = await timeUntilAllFresh(ctx, RECOVERY_BOUND_MS);
  });

  it('should resync every book once a WebSocket drop rate of 30 % stops', async () => {
    await simPost(ctx, '/sim/faults', { wsDropRate: 0.3 });
    await sleep(4000);
    await simPost(ctx, '/sim/faults', { wsDropRate: 0 });
    figures.heavyDropRate = await timeUntilAllFresh(ctx, RECOVERY_BOUND_MS);
  });
});
