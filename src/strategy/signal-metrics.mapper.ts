import { moneyDecimal, priceDecimal } from '../common/wire-decimal';
import type { SignalMetrics } from './domain/signal';

/**
 * The metrics of a signal as HTTP and /ws show them: prices on the tick grid (mid +1 decimal, micro-price +2) and
 * notionals at the money scale as decimal strings; imbalances and the spread in ticks stay numbers.
 */
export interface SignalMetricsView {
  readonly imbalance5: number;
  readonly imbalance10: number;
  readonly imbalanceAll: number;
  readonly imbalance: number;
  readonly bestBid: string | null;
  readonly bestAsk: string | null;
  readonly spread: string | null;
  readonly spreadTicks: number | null;
  readonly mid: string | null;
  readonly microPrice: string | null;
  readonly clusterPrice: string | null;
  readonly clusterNotional: string | null;
  readonly supportPrice: string | null;
  readonly supportNotional: string;
  readonly resistancePrice: string | null;
  readonly resistanceNotional: string;
  readonly largestBidClusterPrice: string | null;
  readonly largestBidClusterNotional: string;
  readonly largestAskClusterPrice: string | null;
  readonly largestAskClusterNotional: string;
}

const NO_PRICE = Number.NaN;

export function toSignalMetricsView(m: SignalMetrics, tickSize: string | undefined): SignalMetricsView {
  const price = (value: number | null, extraDecimals = 0) => priceDecimal(value ?? NO_PRICE, tickSize, extraDecimals);
  const notional = (value: number) => moneyDecimal(value) ?? '0';
  return {
    imbalance5: m.imbalance5,
    imbalance10: m.imbalance10,
    imbalanceAll: m.imbalanceAll,
    imbalance: m.imbalance,
    bestBid: price(m.bestBid),
    bestAsk: price(m.bestAsk),
    spread: price(m.spread),
    spreadTicks: m.spreadTicks,
    mid: price(m.mid, 1),
    microPrice: price(m.microPrice, 2),
    clusterPrice: price(m.clusterPrice),
    clusterNotional: moneyDecimal(m.clusterNotional),
    supportPrice: price(m.supportPrice),
    supportNotional: notional(m.supportNotional),
    resistancePrice: price(m.resistancePrice),
    resistanceNotional: notional(m.resistanceNotional),
    largestBidClusterPrice: price(m.largestBidClusterPrice),
    largestBidClusterNotional: notional(m.largestBidClusterNotional),
    largestAskClusterPrice: price(m.largestAskClusterPrice),
    largestAskClusterNotional: notional(m.largestAskClusterNotional),
  };
}
