import { isoUtc } from '../common/iso-time';
import { moneyDecimal, priceDecimal } from '../common/wire-decimal';
import { BookMetrics } from './domain/book-metrics';
import { OrderBook, OrderBookView } from './domain/order-book';
import { MetricsResponseDto, OrderBookResponseDto } from './dto/order-book.dto';

/** A time the book has not seen yet (0 or NaN) is null on the wire. */
const isoOrNull = (ms: number): string | null => (Number.isFinite(ms) && ms > 0 ? isoUtc(Math.round(ms)) : null);

export function toOrderBookResponse(view: OrderBookView & { stale: boolean }): OrderBookResponseDto {
  return {
    symbol: view.symbol,
    bids: view.bids,
    asks: view.asks,
    u: view.u,
    seq: view.seq,
    exchangeTime: isoOrNull(view.exchangeTs),
    updatedAt: isoOrNull(view.lastUpdateMs),
    synced: view.synced,
    crossed: view.crossed,
    stale: view.stale,
  };
}

/** NaN (no price: empty side, no cluster) is not JSON; the API says null. Ratios stay numbers. */
const orNull = (value: number): number | null => (Number.isFinite(value) ? value : null);

export function toMetricsResponse(
  symbol: string,
  state: { book: OrderBook; metrics: BookMetrics; stale: boolean },
): MetricsResponseDto {
  const m = state.metrics;
  const tick = state.book.grid.tickSize;
  return {
    symbol,
    mid: priceDecimal(m.mid, tick, 1),
    microPrice: priceDecimal(m.microPrice, tick, 2),
    spread: priceDecimal(m.spreadAbs, tick),
    spreadRel: orNull(m.spreadRel),
    imbalance5: m.imbalance5,
    imbalance10: m.imbalance10,
    imbalanceTotal: m.imbalanceAll,
    largestBidCluster: {
      price: priceDecimal(m.largestBidClusterPrice, tick),
      notional: moneyDecimal(m.largestBidClusterNotional) ?? '0',
    },
    largestAskCluster: {
      price: priceDecimal(m.largestAskClusterPrice, tick),
      notional: moneyDecimal(m.largestAskClusterNotional) ?? '0',
    },
    bidClusters: m.bidClusters.count,
    askClusters: m.askClusters.count,
    support: priceDecimal(m.supportPrice, tick),
    resistance: priceDecimal(m.resistancePrice, tick),
    distanceToSupport: priceDecimal(m.supportDistanceAbs, tick, 1),
    distanceToResistance: priceDecimal(m.resistanceDistanceAbs, tick, 1),
    stale: state.stale,
    u: state.book.u,
  };
}
