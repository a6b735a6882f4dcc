import { BacktestVenue, type VenueRealism } from '../../../src/backtest/backtest-venue';
import { TradeBatch } from '../../../src/backtest/domain/recording';
import { VirtualClock } from '../../../src/backtest/domain/virtual-clock';
import type { ExchangeExecution, PlaceOrderRequest } from '../../../src/exchange/exchange.types';
import { BookGrid } from '../../../src/order-book/domain/book-grid';
import { OrderBook } from '../../../src/order-book/domain/order-book';
import { BookDelta, parseOrderbookMessage } from '../../../src/order-book/domain/order-book.parse';

/**
 * The backtest venue on hand-made books: fills checked against hand computation. Prices 100.x on a 0.10 tick,
 * sizes on a 0.001 step (BTCUSDT's filters); the venue's latencies are 10 ms each way on the virtual clock.
 */

const T0 = 1_735_689_600_000;
const SYMBOL = 'BTCUSDT';
const GRID = BookGrid.of({ tickSize: '0.10', qtyStep: '0.001' });
const REALISM: VenueRealism = {
  toVenueMs: 10,
  fromVenueMs: 10,
  impact: true,
  queue: true,
  fees: true,
  rateLimit: true,
  rejectRate: 0,
  timeoutRate: 0,
};

function world(realism: Partial<VenueRealism> = {}) {
  const clock = new VirtualClock(T0);
  const book = new OrderBook(SYMBOL, GRID);
  const venue = new BacktestVenue(clock, [{ symbol: SYMBOL, book }], {
    realism: { ...REALISM, ...realism },
    makerFeeRate: '0.0002',
    takerFeeRate: '0.00055',
    initialBalance: '100000',
    leverage: 10,
    seed: 1,
    rateLimitSafetyFactor: 0.5,
    rateLimitMaxWaitMs: 2000,
    httpTimeoutMs: 10_000,
    breakerFailureThreshold: 5,
    breakerCooldownMs: 30_000,
  });
  const executions: ExchangeExecution[] = [];
  venue.stream.on('execution', (e) => executions.push(e));
  let u = 0;
  const apply = (type: 'snapshot' | 'delta', bids: Array<[string, string]>, asks: Array<[string, string]>) => {
    u += 1;
    const delta = parseOrderbookMessage(
      { topic: `orderbook.50.${SYMBOL}`, type, ts: clock.nowMs(), data: { s: SYMBOL, b: bids, a: asks, u, seq: u } },
      GRID,
      new BookDelta(64),
    );
    book.apply(delta, clock.nowMs());
    venue.onBook(SYMBOL, delta);
  };
  const trade = (takerSide: 'Buy' | 'Sell', price: string, size: string) => {
    const batch = new TradeBatch();
    batch.symbol = SYMBOL;
    batch.ts = clock.nowMs();
    batch.count = 1;
    batch.times[0] = clock.nowMs();
    batch.prices[0] = GRID.priceTicks(price);
    batch.sizes[0] = GRID.sizeLots(size);
    batch.sides[0] = takerSide === 'Buy' ? 1 : -1;
    venue.onTrades(batch);
  };
  /** Runs every timer (latencies) to the end, letting promise continuations run between them. */
  const drain = async () => {
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (!clock.runNext(Number.POSITIVE_INFINITY)) break;
    }
  };
  let n = 0;
  const order = async (request: Partial<PlaceOrderRequest>) => {
    n += 1;
    const placed = venue.placeOrder({
      symbol: SYMBOL,
      side: 'Buy',
      orderType: 'Market',
      qty: '0.001',
      orderLinkId: `o${n}`,
      ...request,
    });
    await drain();
    return placed;
  };
  const fills = (orderLinkId: string) =>
    executions.filter((e) => e.orderLinkId === orderLinkId).map((e) => [e.execQty, e.execPrice, e.isMaker, e.execFee]);
  return { clock, book, venue, apply, trade, drain, order, fills };
}

const BIDS: Array<[string, string]> = [
  ['100.0', '2.000'],
  ['99.9', '10'],
];
const ASKS: Array<[string, string]> = [
  ['100.1', '0.5'],
  ['100.2', '0.5'],
  ['100.3', '1.0'],
];

describe('backtest venue', () => {
  it('a market order walks the visible levels and what it took stays taken until the level is updated', async () => {
    const w = world();
    w.apply('snapshot', BIDS, ASKS);
    await w.order({ qty: '0.7' });
    // 0.5 @ 100.1, 0.2 @ 100.2; taker fee 0.055 %: 50.05 × 0.00055 = 0.0275275, 20.04 × 0.00055 = 0.011022
    expect(w.fills('o1')).toEqual([
      ['0.500', '100.10', false, '0.0275275'],
      ['0.200', '100.20', false, '0.011022'],
    ]);
    await w.order({ qty: '0.5' });
    // 100.1 is used up and 0.3 is left at 100.2 (the recording has not updated them): 0.3 @ 100.2, 0.2 @ 100.3
    expect(w.fills('o2').map((f) => f.slice(0, 2))).toEqual([
      ['0.300', '100.20'],
      ['0.200', '100.30'],
    ]);
    // The recording updates 100.1 (0.5 shown again): that level is the market's again.
    w.clock.advanceTo(T0 + 1000);
    w.apply('delta', [], [['100.1', '0.5']]);
    await w.order({ qty: '0.5' });
    expect(w.fills('o3').map((f) => f.slice(0, 2))).toEqual([['0.500', '100.10']]);
    await w.venue.close();
  });

  it('without book impact every order sees the full visible book', async () => {
    const w = world({ impact: false });
    w.apply('snapshot', BIDS, ASKS);
    await w.order({ qty: '0.7' });
    await w.order({ qty: '0.5' });
    expect(w.fills('o2').map((f) => f.slice(0, 2))).toEqual([['0.500', '100.10']]);
    await w.venue.close();
  });

  it('the fill price depends on the book when the order arrives, not when it was sent', async () => {
    const w = world();
    w.apply('snapshot', BIDS, ASKS);
    const placed = w.venue.placeOrder({
      symbol: SYMBOL,
      side: 'Buy',
      orderType: 'Market',
      qty: '0.5',
      orderLinkId: 'late',
    });
    // 5 ms later (before the order reaches the venue at +10 ms) the 100.1 ask is gone.
    w.clock.advanceTo(T0 + 5);
    w.apply('delta', [], [['100.1', '0']]);
    await w.drain();
    await placed;
    expect(w.fills('late').map((f) => f.slice(0, 2))).toEqual([['0.500', '100.20']]);
    await w.venue.close();
  });

  it('a resting limit order fills only after the queue ahead of it traded (cancels ahead taken pro rata)', async () => {
    const w = world();
    w.apply('snapshot', BIDS, ASKS);
    // Buy 0.5 @ 100.0 joins behind the 2.000 shown at 100.0.
    await w.order({ orderType: 'Limit', price: '100.0', qty: '0.5', timeInForce: 'GTC', orderLinkId: 'maker' });
    expect(w.fills('maker')).toEqual([]);
    // Sellers hit 100.0 for 1.5: all of it is queue ahead of us (2.0 ahead → 0.5 ahead).
    w.clock.advanceTo(T0 + 100);
    w.trade('Sell', '100.0', '1.5');
    await w.drain();
    expect(w.fills('maker')).toEqual([]);
    // The level then shows 0.3: 1.5 traded + 0.2 cancelled. Of the 0.5 standing, 0.5 was ahead of us, so the 0.2
    // cancelled were all ahead (pro rata 0.2 × 0.5 / 0.5): 0.3 ahead.
    w.clock.advanceTo(T0 + 200);
    w.apply('delta', [['100.0', '0.3']], []);
    // 0.5 more trades at 100.0: 0.3 to the queue, 0.2 reaches us (maker fee 0.02 %: 20.0 × 0.0002 = 0.004).
    w.clock.advanceTo(T0 + 300);
    w.trade('Sell', '100.0', '0.5');
    await w.drain();
    expect(w.fills('maker')).toEqual([['0.200', '100.00', true, '0.004']]);
    // The next 1.0 fills the rest (0.3).
    w.clock.advanceTo(T0 + 400);
    w.trade('Sell', '100.0', '1.0');
    await w.drain();
    expect(w.fills('maker').map((f) => f.slice(0, 3))).toEqual([
      ['0.200', '100.00', true],
      ['0.300', '100.00', true],
    ]);
    const looked = w.venue.getOpenOrders({ symbol: SYMBOL }); // a round trip on the virtual clock
    await w.drain();
    expect((await looked).items).toEqual([]);
    await w.venue.close();
  });

  it('without the queue model a trade touching the price fills the resting order at once', async () => {
    const w = world({ queue: false });
    w.apply('snapshot', BIDS, ASKS);
    await w.order({ orderType: 'Limit', price: '100.0', qty: '0.5', timeInForce: 'GTC', orderLinkId: 'maker' });
    w.clock.advanceTo(T0 + 100);
    w.trade('Sell', '100.0', '1.5');
    await w.drain();
    expect(w.fills('maker').map((f) => f.slice(0, 3))).toEqual([['0.500', '100.00', true]]);
    await w.venue.close();
  });

  it("applies Bybit's order rate limit through the live limiter: 5 creates per second at safety factor 0.5", async () => {
    const w = world();
    w.apply('snapshot', [['100.0', '1000']], [['100.1', '1000']]);
    const sent: Array<Promise<unknown>> = [];
    for (let i = 0; i < 7; i++) {
      sent.push(
        w.venue.placeOrder({ symbol: SYMBOL, side: 'Buy', orderType: 'Market', qty: '0.1', orderLinkId: `r${i}` }),
      );
    }
    await w.drain();
    await Promise.all(sent);
    // Trade limit 10/s × 0.5 = 5 tokens per 1 s window: orders 6 and 7 waited for the next window.
    expect(w.venue.counters.rateLimitWaits).toBe(2);
    await w.venue.close();
  });
});
