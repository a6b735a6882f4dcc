import { computeReportMetrics, periodReturns, type ClosedTrade, type MetricsInput } from './report-metrics';

const S = 1_700_000_000_000;
const sec = (s: number) => S + s * 1000;

const T1: ClosedTrade = {
  symbol: 'BTCUSDT',
  side: 'Buy',
  qty: '0.010',
  entryPrice: '100',
  exitPrice: '110',
  fees: '0.02',
  entryTimeMs: sec(0),
  exitTimeMs: sec(60),
  exitReason: 'take-profit',
  signalPrice: '99.9',
  fillLatencyMs: 10,
  maker: true,
};
const T2: ClosedTrade = {
  symbol: 'BTCUSDT',
  side: 'Sell',
  qty: '0.02',
  entryPrice: '110',
  exitPrice: '115',
  fees: '0.01',
  entryTimeMs: sec(120),
  exitTimeMs: sec(180),
  exitReason: 'stop-loss',
  signalPrice: '110',
  fillLatencyMs: 30,
  maker: false,
};
const T3: ClosedTrade = {
  symbol: 'ETHUSDT',
  side: 'Buy',
  qty: '1',
  entryPrice: '10',
  exitPrice: '10.5',
  fees: '0.05',
  entryTimeMs: sec(150),
  exitTimeMs: sec(300),
  exitReason: 'take-profit',
  signalPrice: '10.01',
  fillLatencyMs: 20,
  maker: true,
};

/** Mids one second after each entry; nothing else is known (so the 5 s and 30 s markouts are null). */
const MIDS = new Map([
  [`BTCUSDT@${sec(1)}`, 101],
  [`BTCUSDT@${sec(121)}`, 109],
  [`ETHUSDT@${sec(151)}`, 10.1],
]);

const INPUT: MetricsInput = {
  trades: [T1, T2, T3],
  equity: [
    { timeMs: sec(0), equity: '1000' },
    { timeMs: sec(60), equity: '1000.08' },
    { timeMs: sec(180), equity: '999.97' },
    { timeMs: sec(300), equity: '1000.42' },
  ],
  entryOrdersPlaced: 4,
  startMs: sec(0),
  endMs: sec(600),
  periodMs: 60_000,
  midAt: (symbol, t) => MIDS.get(`${symbol}@${t}`),
};

describe('computeReportMetrics (hand-computed: T1 long +0.08, T2 short −0.11, T3 long +0.45)', () => {
  const m = computeReportMetrics(INPUT);

  it('computes the Freqtrade headline set with exact money', () => {
    expect(m.trades).toBe(3);
    expect(m.wins).toBe(2);
    expect(m.winRate).toBeCloseTo(2 / 3, 12);
    // net = 10×0.010−0.02 = 0.08; −(5×0.02)−0.01 = −0.11; 0.5×1−0.05 = 0.45
    expect(m.netPnl).toBe('0.42');
    expect(m.grossProfit).toBe('0.53');
    expect(m.grossLoss).toBe('-0.11');
    expect(m.profitFactor).toBeCloseTo(0.53 / 0.11, 12);
    expect(m.expectancy).toBe('0.14');
    // returns on notional: 0.08/1, −0.11/2.2, 0.45/10
    expect(m.averageReturn).toBeCloseTo((0.08 - 0.05 + 0.045) / 3, 12);
    expect(m.fees).toBe('0.08');
    expect(m.totalReturn).toBeCloseTo(0.00042, 12);
    expect(m.averageHoldingMs).toBe(90_000);
    expect(m.bestTrade).toMatchObject({ symbol: 'BTCUSDT', side: 'Buy', netPnl: '0.08', return: 0.08 });
    expect(m.worstTrade).toMatchObject({ side: 'Sell', netPnl: '-0.11' });
    expect(m.worstTrade!.return).toBeCloseTo(-0.05, 12);
  });

  it('measures drawdown from the peak 1000.08 to 999.97, recovered at 300 s', () => {
    expect(m.maxDrawdown).toBeCloseTo(0.11 / 1000.08, 15);
    expect(m.maxDrawdownAbs).toBe('0.11');
    expect(m.maxDrawdownDurationMs).toBe(240_000);
  });

  it('annualises Sharpe, Sortino and Calmar on one-minute returns, risk-free 0 (values from an independent script)', () => {
    expect(periodReturns(INPUT.equity, INPUT.startMs, INPUT.endMs, 60_000)).toHaveLength(10);
    expect(m.sharpe).toBeCloseTo(202.57208956, 6);
    expect(m.sortino).toBeCloseTo(875.47164326, 5);
    expect(m.calmar).toBeCloseTo(200699.691054545, 3);
  });

  it('reports what scalpers need: fill ratio, slippage, markouts, maker share, latency, time in market', () => {
    expect(m.fillRatio).toBe(0.75);
    // (1e4×0.1/99.9 + 0 − 1e4×0.01/10.01) / 3
    expect(m.entrySlippageBps).toBeCloseTo(0.00666667333, 9);
    expect(m.tradeList[0].slippageBps).toBeCloseTo(10.01001001, 7);
    // +100 bps, −1×(109−110)/110 = +90.909 bps, +100 bps
    expect(m.markoutBps['1000']).toBeCloseTo((100 + 1e4 / 110 + 100) / 3, 9);
    expect(m.markoutBps['5000']).toBeNull();
    expect(m.markoutBps['30000']).toBeNull();
    expect(m.makerShare).toBeCloseTo(2 / 3, 12);
    expect(m.fillLatencyMs).toEqual({ p50: 20, p90: 30, p99: 30 });
    // [0,60] ∪ [120,180] ∪ [150,300] = 60 + 180 s of 600 s
    expect(m.timeInMarket).toBeCloseTo(0.4, 12);
  });

  it('splits the trades per exit reason and per symbol, keys sorted', () => {
    expect(Object.keys(m.byExitReason)).toEqual(['stop-loss', 'take-profit']);
    expect(m.byExitReason['take-profit']).toMatchObject({ trades: 2, wins: 2, netPnl: '0.53', profitFactor: null });
    expect(m.byExitReason['stop-loss']).toMatchObject({ trades: 1, wins: 0, winRate: 0, netPnl: '-0.11' });
    expect(Object.keys(m.bySymbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(m.bySymbol.BTCUSDT).toMatchObject({ trades: 2, netPnl: '-0.03', fees: '0.03' });
    expect(m.bySymbol.BTCUSDT.profitFactor).toBeCloseTo(0.08 / 0.11, 12);
    expect(m.bySymbol.ETHUSDT).toMatchObject({ trades: 1, netPnl: '0.45', expectancy: '0.45' });
  });

  it('is deterministic and degrades to nulls, not NaN, with no trades', () => {
    expect(JSON.stringify(computeReportMetrics(INPUT))).toBe(JSON.stringify(m));
    const empty = computeReportMetrics({ ...INPUT, trades: [], equity: [{ timeMs: sec(0), equity: '1000' }] });
    expect(empty).toMatchObject({
      trades: 0,
      winRate: null,
      profitFactor: null,
      expectancy: null,
      maxDrawdown: 0,
      sharpe: null,
      calmar: null,
      bestTrade: null,
      fillRatio: 0,
      timeInMarket: 0,
    });
    expect(JSON.stringify(empty)).not.toContain('NaN');
  });
});
