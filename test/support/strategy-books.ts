import { BookMetrics, computeBookMetrics } from '../../src/order-book/domain/book-metrics';
import { OrderBook } from '../../src/order-book/domain/order-book';
import { BookDelta } from '../../src/order-book/domain/order-book.parse';
import { StrategyInput } from '../../src/strategy/domain/strategy';

/** Test helpers (not a spec): real OrderBooks from snapshot messages, tick 0.1 and lot 1 (ticks 1000 = 100.0). */
export type Level = readonly [number, number];

export const T0 = 1_700_000_000_000;

export function aBook(
  bids: Level[],
  asks: Level[],
  opts: { u?: number; seq?: number; atMs?: number; symbol?: string } = {},
): OrderBook {
  const book = new OrderBook(opts.symbol ?? 'BTCUSDT', { tickSize: '0.1', qtyStep: '1' });
  const u = opts.u ?? 100;
  book.apply(BookDelta.of('snapshot', u, bids, asks, opts.atMs ?? T0, opts.seq ?? u * 10), opts.atMs ?? T0);
  return book;
}

export function inputOf(
  book: OrderBook,
  nowMs = T0,
  minClusterVolume = 10000,
  extra: Partial<StrategyInput> = {},
): StrategyInput {
  const metrics: BookMetrics = computeBookMetrics(book, { minClusterVolume });
  return { symbol: book.symbol, book, metrics, nowMs, ...extra };
}
