import type { Signal, SignalMetrics } from '../../src/strategy/domain/signal';

/** Metrics of a typical Buy signal (imbalance 0.8); prices unknown. */
export const SIGNAL_METRICS: SignalMetrics = {
  imbalance5: 0.8,
  imbalance10: 0.8,
  imbalanceAll: 0.8,
  imbalance: 0.8,
  bestBid: null,
  bestAsk: null,
  spread: null,
  spreadTicks: 1,
  mid: null,
  microPrice: null,
  clusterPrice: null,
  clusterNotional: null,
  supportPrice: null,
  supportNotional: 0,
  resistancePrice: null,
  resistanceNotional: 0,
  largestBidClusterPrice: null,
  largestBidClusterNotional: 0,
  largestAskClusterPrice: null,
  largestAskClusterNotional: 0,
};

let sequence = 0;

/** A real-shaped Signal (as ImbalanceStrategy emits it) for a symbol at a given executable price. */
export function aSignal(overrides: Partial<Signal> & Pick<Signal, 'symbol' | 'side' | 'price'>): Signal {
  sequence += 1;
  return {
    id: `test-${overrides.symbol}-${overrides.side}-${Date.now().toString(36)}-${sequence}`,
    strategy: 'imbalance',
    strength: 0.5,
    reason: `test signal ${sequence}`,
    atMs: Date.now(),
    context: { metrics: SIGNAL_METRICS, bookU: sequence, bookSeq: sequence },
    ...overrides,
  };
}
