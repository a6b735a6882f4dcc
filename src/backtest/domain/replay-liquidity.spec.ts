import { OrderBook } from '../../order-book/domain/order-book';
import { BookDelta } from '../../order-book/domain/order-book.parse';
import { ReplayLiquidity } from './replay-liquidity';

function message(type: 'snapshot' | 'delta', u: number, bids: number[][], asks: number[][]): BookDelta {
  const d = new BookDelta(16);
  d.symbol = 'BTCUSDT';
  d.type = type;
  d.u = u;
  d.seq = u;
  d.ts = 1000 + u;
  d.bidCount = bids.length;
  d.askCount = asks.length;
  bids.forEach(([p, s], i) => ((d.bidPrices[i] = p), (d.bidSizes[i] = s)));
  asks.forEach(([p, s], i) => ((d.askPrices[i] = p), (d.askSizes[i] = s)));
  return d;
}

describe('ReplayLiquidity (the replayed book minus our fills)', () => {
  const setup = (impact = true) => {
    const book = new OrderBook('BTCUSDT', { tickSize: '0.10', qtyStep: '0.001' });
    const liquidity = new ReplayLiquidity(book, impact);
    const apply = (d: BookDelta) => {
      book.apply(d);
      liquidity.onDelta(d);
    };
    apply(
      message(
        'snapshot',
        1,
        [
          [1000, 2000],
          [999, 500],
        ],
        [
          [1001, 500],
          [1002, 700],
        ],
      ),
    );
    return { book, liquidity, apply };
  };
  const levels = (l: ReplayLiquidity, side: 'Buy' | 'Sell') =>
    [...l.levelsFor(side)].map((x) => [x.priceTicks, x.sizeLots]);

  it('walks the levels best first and hides what our fills took until the level is updated', () => {
    const { liquidity, apply, book } = setup();
    expect(levels(liquidity, 'Buy')).toEqual([
      [1001, 500],
      [1002, 700],
    ]);
    liquidity.consume('Buy', 1001, 500);
    liquidity.consume('Buy', 1002, 200);
    expect(liquidity.bestAsk()).toBe(1002);
    expect(levels(liquidity, 'Buy')).toEqual([[1002, 500]]);
    expect(liquidity.sizeAt('ask', 1002)).toBe(500);
    expect(book.askSizeAt(1)).toBe(700); // the live book itself is never touched
    apply(message('delta', 2, [], [[1001, 400]]));
    expect(levels(liquidity, 'Buy')).toEqual([
      [1001, 400],
      [1002, 500],
    ]);
    apply(message('snapshot', 3, [[1000, 2000]], [[1002, 700]]));
    expect(levels(liquidity, 'Buy')).toEqual([[1002, 700]]);
  });

  it('with impact off nothing is ever taken', () => {
    const { liquidity } = setup(false);
    liquidity.consume('Sell', 1000, 2000);
    expect(liquidity.bestBid()).toBe(1000);
    expect(levels(liquidity, 'Sell')).toEqual([
      [1000, 2000],
      [999, 500],
    ]);
  });
});
