import { Dec } from '../../simulator/domain/exact-decimal';

/**
 * The backtest report's metrics, computed from closed trades and an equity series. Pure and deterministic: the
 * same input gives the same output, key order included (report.json is compared byte for byte).
 *
 * Conventions (README "Backtest report metrics" repeats them):
 * - Money (PnL, fees, equity) is exact decimal text summed with `Dec`; ratios are floats.
 * - A trade's net PnL = direction × (exit − entry) × qty − fees, direction +1 long (entry side Buy), −1 short.
 *   Its return = net PnL / (entry × qty) (on notional, no leverage). A win is net PnL > 0.
 * - Profit factor = Σ winning net PnL / |Σ losing net PnL| (null without losses). Expectancy = mean net PnL.
 * - Total return = (last equity − initial) / initial; average return = mean trade return.
 * - Max drawdown = max over time of (running peak − equity) / running peak, on the equity series; its duration runs
 *   from that peak until equity first regains it (or the end of the series when it never does).
 * - Sharpe, Sortino: equity sampled every `periodMs` (last value at or before each boundary) → simple returns r;
 *   risk-free rate 0; annualised with √(periods per 365-day year) (crypto trades every day).
 *   Sharpe = mean(r) / sample std(r) (n − 1) × √P; Sortino = mean(r) / √(Σ min(r, 0)² / n) × √P.
 *   Null when there are fewer than two returns or the denominator is 0.
 * - Calmar = annualised return / max drawdown, annualised return = total return × year / span (simple, not
 *   compounded: compounding a few minutes to a year is meaningless). Null when max drawdown is 0.
 * - Fill ratio = trades / entry orders placed. Entry slippage (bps) = direction × (entry − signal) / signal × 10⁴:
 *   positive = paid worse than the signal price. Markout at h (bps) = direction × (mid(entry time + h) − entry) /
 *   entry × 10⁴: positive = the market moved in the trade's favour after the fill.
 * - Latency percentiles: nearest rank. Time in market: length of the union of [entry, exit] over the span.
 */

export type TradeSide = 'Buy' | 'Sell';

export interface ClosedTrade {
  readonly symbol: string;
  /** Side of the entry order: Buy = long, Sell = short. */
  readonly side: TradeSide;
  /** Decimal text, as the venue reports them. */
  readonly qty: string;
  readonly entryPrice: string;
  readonly exitPrice: string;
  /** Entry + exit fees, quote currency (negative = rebate). */
  readonly fees: string;
  readonly entryTimeMs: number;
  readonly exitTimeMs: number;
  readonly exitReason: string;
  /** The price the signal saw when it fired (slippage reference). */
  readonly signalPrice: string;
  /** Signal → entry fill, ms. */
  readonly fillLatencyMs: number;
  /** Entry filled as maker. */
  readonly maker: boolean;
}

export interface EquityPoint {
  readonly timeMs: number;
  /** Decimal text, quote currency. */
  readonly equity: string;
}

export interface MetricsInput {
  readonly trades: readonly ClosedTrade[];
  /** Ascending by time; the first point is the initial equity. */
  readonly equity: readonly EquityPoint[];
  /** Entry orders sent (filled or not): the fill ratio's denominator. */
  readonly entryOrdersPlaced: number;
  readonly startMs: number;
  readonly endMs: number;
  /** Sampling period for Sharpe/Sortino, ms (default one minute: backtests are minutes to days long). */
  readonly periodMs?: number;
  /** Mid price of `symbol` at `timeMs` (the replayed book), undefined when unknown; needed for markouts. */
  readonly midAt?: (symbol: string, timeMs: number) => number | undefined;
}

export const MARKOUT_HORIZONS_MS = [1000, 5000, 30_000] as const;
const YEAR_MS = 365 * 86_400_000;
const MONEY_DECIMALS = 8;

export interface TradeTable {
  readonly trades: number;
  readonly wins: number;
  readonly winRate: number | null;
  readonly netPnl: string;
  readonly grossProfit: string;
  readonly grossLoss: string;
  readonly profitFactor: number | null;
  readonly expectancy: string | null;
  readonly averageReturn: number | null;
  readonly fees: string;
}

export interface TradeRow {
  readonly symbol: string;
  readonly side: TradeSide;
  readonly entryTimeMs: number;
  readonly exitTimeMs: number;
  readonly entryPrice: string;
  readonly exitPrice: string;
  readonly qty: string;
  readonly netPnl: string;
  readonly return: number;
  readonly fees: string;
  readonly exitReason: string;
  readonly slippageBps: number;
  readonly maker: boolean;
  readonly fillLatencyMs: number;
}

export interface ReportMetrics extends TradeTable {
  readonly totalReturn: number | null;
  readonly maxDrawdown: number;
  readonly maxDrawdownAbs: string;
  readonly maxDrawdownDurationMs: number;
  readonly sharpe: number | null;
  readonly sortino: number | null;
  readonly calmar: number | null;
  readonly averageHoldingMs: number | null;
  readonly bestTrade: TradeRow | null;
  readonly worstTrade: TradeRow | null;
  readonly fillRatio: number | null;
  readonly entrySlippageBps: number | null;
  /** Mean markout per horizon (keys "1000", "5000", "30000" ms); null when no mid was known. */
  readonly markoutBps: Readonly<Record<string, number | null>>;
  readonly makerShare: number | null;
  readonly fillLatencyMs: { readonly p50: number | null; readonly p90: number | null; readonly p99: number | null };
  readonly timeInMarket: number | null;
  readonly byExitReason: Readonly<Record<string, TradeTable>>;
  readonly bySymbol: Readonly<Record<string, TradeTable>>;
  readonly tradeList: readonly TradeRow[];
}

interface Evaluated {
  readonly trade: ClosedTrade;
  readonly direction: 1 | -1;
  readonly net: Dec;
  readonly ret: number;
  readonly row: TradeRow;
}

export function computeReportMetrics(input: MetricsInput): ReportMetrics {
  const evaluated = input.trades.map(evaluate);
  const summary = tradeTable(evaluated);
  const drawdown = maxDrawdown(input.equity);
  const initial = input.equity.length > 0 ? Number(input.equity[0].equity) : NaN;
  const final = input.equity.length > 0 ? Number(input.equity[input.equity.length - 1].equity) : NaN;
  const totalReturn = initial > 0 ? (final - initial) / initial : null;
  const spanMs = input.endMs - input.startMs;
  const returns = periodReturns(input.equity, input.startMs, input.endMs, input.periodMs ?? 60_000);
  const periodsPerYear = YEAR_MS / (input.periodMs ?? 60_000);
  const annualReturn = totalReturn !== null && spanMs > 0 ? (totalReturn * YEAR_MS) / spanMs : null;
  const ranked = [...evaluated].sort((a, b) => a.ret - b.ret);
  const latencies = evaluated.map((e) => e.trade.fillLatencyMs).sort((a, b) => a - b);
  const markoutBps: Record<string, number | null> = {};
  for (const horizon of MARKOUT_HORIZONS_MS) markoutBps[String(horizon)] = markout(evaluated, horizon, input.midAt);
  return {
    ...summary,
    totalReturn,
    maxDrawdown: drawdown.ratio,
    maxDrawdownAbs: drawdown.abs,
    maxDrawdownDurationMs: drawdown.durationMs,
    sharpe: sharpe(returns, periodsPerYear),
    sortino: sortino(returns, periodsPerYear),
    calmar: annualReturn !== null && drawdown.ratio > 0 ? annualReturn / drawdown.ratio : null,
    averageHoldingMs: mean(evaluated.map((e) => e.trade.exitTimeMs - e.trade.entryTimeMs)),
    bestTrade: ranked.length > 0 ? ranked[ranked.length - 1].row : null,
    worstTrade: ranked.length > 0 ? ranked[0].row : null,
    fillRatio: input.entryOrdersPlaced > 0 ? evaluated.length / input.entryOrdersPlaced : null,
    entrySlippageBps: mean(evaluated.map((e) => e.row.slippageBps)),
    markoutBps,
    makerShare: evaluated.length > 0 ? evaluated.filter((e) => e.trade.maker).length / evaluated.length : null,
    fillLatencyMs: {
      p50: nearestRank(latencies, 50),
      p90: nearestRank(latencies, 90),
      p99: nearestRank(latencies, 99),
    },
    timeInMarket: spanMs > 0 ? timeInMarketMs(input.trades, input.startMs, input.endMs) / spanMs : null,
    byExitReason: groupTables(evaluated, (e) => e.trade.exitReason),
    bySymbol: groupTables(evaluated, (e) => e.trade.symbol),
    tradeList: evaluated.map((e) => e.row),
  };
}

function evaluate(trade: ClosedTrade): Evaluated {
  const direction = trade.side === 'Buy' ? 1 : -1;
  const entry = Dec.parse(trade.entryPrice);
  const exit = Dec.parse(trade.exitPrice);
  const qty = Dec.parse(trade.qty);
  const fees = Dec.parse(trade.fees);
  const gross = exit.sub(entry).mul(qty);
  const net = (direction === 1 ? gross : gross.neg()).sub(fees);
  const notional = Number(entry.mul(qty).toString());
  const ret = notional > 0 ? Number(net.toString()) / notional : 0;
  const signal = Number(trade.signalPrice);
  const slippageBps = signal > 0 ? (direction * (Number(trade.entryPrice) - signal) * 1e4) / signal : 0;
  return {
    trade,
    direction,
    net,
    ret,
    row: {
      symbol: trade.symbol,
      side: trade.side,
      entryTimeMs: trade.entryTimeMs,
      exitTimeMs: trade.exitTimeMs,
      entryPrice: trade.entryPrice,
      exitPrice: trade.exitPrice,
      qty: trade.qty,
      netPnl: net.toString(),
      return: ret,
      fees: fees.toString(),
      exitReason: trade.exitReason,
      slippageBps,
      maker: trade.maker,
      fillLatencyMs: trade.fillLatencyMs,
    },
  };
}

function tradeTable(evaluated: readonly Evaluated[]): TradeTable {
  let profit = Dec.ZERO;
  let loss = Dec.ZERO;
  let fees = Dec.ZERO;
  let wins = 0;
  for (const e of evaluated) {
    if (e.net.sign() > 0) {
      wins++;
      profit = profit.add(e.net);
    } else {
      loss = loss.add(e.net);
    }
    fees = fees.add(Dec.parse(e.trade.fees));
  }
  const net = profit.add(loss);
  const n = evaluated.length;
  return {
    trades: n,
    wins,
    winRate: n > 0 ? wins / n : null,
    netPnl: net.toString(),
    grossProfit: profit.toString(),
    grossLoss: loss.toString(),
    profitFactor: loss.sign() < 0 ? Number(profit.toString()) / -Number(loss.toString()) : null,
    expectancy: n > 0 ? net.div(Dec.of(n), MONEY_DECIMALS, 'half-up').toString() : null,
    averageReturn: mean(evaluated.map((e) => e.ret)),
    fees: fees.toString(),
  };
}

function groupTables(evaluated: readonly Evaluated[], key: (e: Evaluated) => string): Record<string, TradeTable> {
  const groups = new Map<string, Evaluated[]>();
  for (const e of evaluated) {
    const k = key(e);
    const group = groups.get(k);
    if (group) group.push(e);
    else groups.set(k, [e]);
  }
  const out: Record<string, TradeTable> = {};
  for (const k of [...groups.keys()].sort()) out[k] = tradeTable(groups.get(k)!);
  return out;
}

function maxDrawdown(equity: readonly EquityPoint[]): { ratio: number; abs: string; durationMs: number } {
  let peak: Dec | undefined;
  let peakTime = 0;
  let worst = 0;
  let worstAbs = Dec.ZERO;
  let worstPeak: Dec | undefined;
  let worstPeakTime = 0;
  for (const point of equity) {
    const value = Dec.parse(point.equity);
    if (!peak || value.gt(peak)) {
      peak = value;
      peakTime = point.timeMs;
      continue;
    }
    const drop = peak.sub(value);
    const ratio = peak.sign() > 0 ? Number(drop.toString()) / Number(peak.toString()) : 0;
    if (ratio > worst) {
      worst = ratio;
      worstAbs = drop;
      worstPeak = peak;
      worstPeakTime = peakTime;
    }
  }
  if (!worstPeak) return { ratio: 0, abs: '0', durationMs: 0 };
  let recoveredAt = equity[equity.length - 1].timeMs;
  for (const point of equity) {
    if (point.timeMs > worstPeakTime && !Dec.parse(point.equity).lt(worstPeak)) {
      recoveredAt = point.timeMs;
      break;
    }
  }
  return { ratio: worst, abs: worstAbs.toString(), durationMs: recoveredAt - worstPeakTime };
}

/** Simple returns of the equity step function sampled at startMs + k × periodMs, k ≥ 0, up to endMs. */
export function periodReturns(
  equity: readonly EquityPoint[],
  startMs: number,
  endMs: number,
  periodMs: number,
): number[] {
  if (equity.length === 0 || !(periodMs > 0)) return [];
  const samples: number[] = [];
  let i = 0;
  let current = Number(equity[0].equity);
  for (let t = startMs; t <= endMs; t += periodMs) {
    while (i < equity.length && equity[i].timeMs <= t) current = Number(equity[i++].equity);
    samples.push(current);
  }
  const returns: number[] = [];
  for (let k = 1; k < samples.length; k++) returns.push(samples[k - 1] > 0 ? samples[k] / samples[k - 1] - 1 : 0);
  return returns;
}

function sharpe(returns: readonly number[], periodsPerYear: number): number | null {
  const n = returns.length;
  if (n < 2) return null;
  const m = returns.reduce((s, r) => s + r, 0) / n;
  const variance = returns.reduce((s, r) => s + (r - m) ** 2, 0) / (n - 1);
  return variance > 0 ? (m / Math.sqrt(variance)) * Math.sqrt(periodsPerYear) : null;
}

function sortino(returns: readonly number[], periodsPerYear: number): number | null {
  const n = returns.length;
  if (n < 2) return null;
  const m = returns.reduce((s, r) => s + r, 0) / n;
  const downside = Math.sqrt(returns.reduce((s, r) => s + Math.min(r, 0) ** 2, 0) / n);
  return downside > 0 ? (m / downside) * Math.sqrt(periodsPerYear) : null;
}

function markout(evaluated: readonly Evaluated[], horizonMs: number, midAt: MetricsInput['midAt']): number | null {
  if (!midAt) return null;
  const values: number[] = [];
  for (const e of evaluated) {
    const mid = midAt(e.trade.symbol, e.trade.entryTimeMs + horizonMs);
    const entry = Number(e.trade.entryPrice);
    if (mid === undefined || !(entry > 0)) continue;
    values.push((e.direction * (mid - entry) * 1e4) / entry);
  }
  return mean(values);
}

function timeInMarketMs(trades: readonly ClosedTrade[], startMs: number, endMs: number): number {
  const intervals = trades
    .map((t) => [Math.max(startMs, t.entryTimeMs), Math.min(endMs, t.exitTimeMs)] as const)
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let total = 0;
  let openStart = -Infinity;
  let openEnd = -Infinity;
  for (const [a, b] of intervals) {
    if (a > openEnd) {
      if (openEnd > openStart) total += openEnd - openStart;
      openStart = a;
      openEnd = b;
    } else if (b > openEnd) {
      openEnd = b;
    }
  }
  if (openEnd > openStart) total += openEnd - openStart;
  return total;
}

function mean(values: readonly number[]): number | null {
  return values.length > 0 ? values.reduce((s, v) => s + v, 0) / values.length : null;
}

/** Nearest-rank percentile of an ascending array; null when empty. */
function nearestRank(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
