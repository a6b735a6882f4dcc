import { BookMetrics } from './domain/book-metrics';
import { OrderBook, OrderBookView } from './domain/order-book';
import { MetricsResponseDto, OrderBookResponseDto } from './dto/order-book.dto';

/** NaN (no price: empty side, no cluster) is not JSON; the API says null. */
const orNull = (value: number): number | null => (Number.isFinite(value) ? value : null);

export function toOrderBookResponse(view: OrderBookView & { stale: boolean }): OrderBookResponseDto {
  return {
    symbol: view.symbol,
    bids: view.bids,
    asks: view.asks,
    u: view.u,
    seq: view.seq,
    exchange_ts: view.exchangeTs,
    updated_at_ms: Number.isFinite(view.lastUpdateMs) ? view.lastUpdateMs : 0,
    synced: view.synced,
    crossed: view.crossed,
    stale: view.stale,
  };
}

export function toMetricsResponse(
  symbol: string,
  state: { book: OrderBook; metrics: BookMetrics; stale: boolean },
): MetricsResponseDto {
  const m = state.metrics;
  return {
    symbol,
    mid: orNull(m.mid),
    micro_price: orNull(m.microPrice),
    spread_abs: orNull(m.spreadAbs),
    spread_rel: orNull(m.spreadRel),
    imbalance_5: m.imbalance5,
    imbalance_10: m.imbalance10,
    imbalance_total: m.imbalanceAll,
    largest_bid_cluster: { price: orNull(m.largestBidClusterPrice), notional: m.largestBidClusterNotional },
    largest_ask_cluster: { price: orNull(m.largestAskClusterPrice), notional: m.largestAskClusterNotional },
    bid_clusters: m.bidClusters.count,
    ask_clusters: m.askClusters.count,
    support: orNull(m.supportPrice),
    resistance: orNull(m.resistancePrice),
    distance_to_support: orNull(m.supportDistanceAbs),
    distance_to_resistance: orNull(m.resistanceDistanceAbs),
    stale: state.stale,
    u: state.book.u,
  };
}
