import type { SignalMetrics } from './domain/signal';
import { toSignalMetricsView } from './signal-metrics.mapper';

const METRICS: SignalMetrics = {
  imbalance5: 0.8235294117647058,
  imbalance10: 0.7,
  imbalanceAll: 0.6,
  imbalance: 0.8235294117647058,
  bestBid: 96000.00000000001,
  bestAsk: 96000.10000000002,
  spread: 0.10000000000582077,
  spreadTicks: 1,
  mid: 96000.05000000002,
  microPrice: 96000.07142857143,
  clusterPrice: null,
  clusterNotional: null,
  supportPrice: 95990.1,
  supportNotional: 12345.678901234567,
  resistancePrice: null,
  resistanceNotional: 0,
  largestBidClusterPrice: 95990.1,
  largestBidClusterNotional: 12345.678901234567,
  largestAskClusterPrice: null,
  largestAskClusterNotional: 0,
};

describe('toSignalMetricsView', () => {
  it('should write prices on the tick grid and notionals as money, leaving ratios as numbers', () => {
    expect(toSignalMetricsView(METRICS, '0.10')).toEqual({
      imbalance5: 0.8235294117647058,
      imbalance10: 0.7,
      imbalanceAll: 0.6,
      imbalance: 0.8235294117647058,
      bestBid: '96000',
      bestAsk: '96000.1',
      spread: '0.1',
      spreadTicks: 1,
      mid: '96000.05',
      microPrice: '96000.0714', // tick "0.10" has 2 decimals, a micro-price 2 more
      clusterPrice: null,
      clusterNotional: null,
      supportPrice: '95990.1',
      supportNotional: '12345.67890123',
      resistancePrice: null,
      resistanceNotional: '0',
      largestBidClusterPrice: '95990.1',
      largestBidClusterNotional: '12345.67890123',
      largestAskClusterPrice: null,
      largestAskClusterNotional: '0',
    });
  });
});
