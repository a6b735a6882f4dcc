import type { OrderRecord, PositionRecord } from '../execution/domain/execution-store';
import { Dec } from '../simulator/domain/exact-decimal';
import type { PricePoint, ReportDocument } from './domain/report-html';
import { computeReportMetrics, type ClosedTrade, type EquityPoint, type ReportMetrics } from './domain/report-metrics';

/**
 * The backtest's report: what report.json holds (JSON-serialisable, deterministic: no wall-clock figure, keys in a
 * fixed order) and everything report.html is rendered from.
 */
export interface BacktestReport {
  readonly title: string;
  /** Data file name, its SHA-256, seed, symbols, window, the overrides as given. */
  readonly run: Readonly<Record<string, string>>;
  /** Every setting the run depended on (live + BACKTEST_*), effective values. */
  readonly settings: Readonly<Record<string, string>>;
  readonly metrics: ReportMetrics;
  /** Messages, signals and their outcomes, risk rejections by rule, kernel and venue counters. */
  readonly counters: Readonly<Record<string, number>>;
  /**
   * Cross-checks a trader can verify: the kernel's realised PnL (net of fees) summed over the reported trades, the
   * report's own net PnL from prices, quantities and fees, and the venue account's equity change.
   */
  readonly reconciliation: {
    readonly kernelNetPnl: string;
    readonly reportNetPnl: string;
    readonly venueEquityChange: string;
    readonly openAtEnd: number;
  };
  /** Every entry order the kernel sent, in order, with its outcome: what a fidelity comparison matches on. */
  readonly entries: readonly EntryRow[];
  readonly equity: readonly EquityPoint[];
  readonly prices: Readonly<Record<string, readonly PricePoint[]>>;
}

export interface EntryRow {
  /** The deterministic orderLinkId derived from the signal id (the same live and in a backtest of the same data). */
  readonly orderLinkId: string;
  readonly symbol: string;
  readonly side: 'Buy' | 'Sell';
  readonly status: string;
  readonly quantity: string;
  readonly filledQuantity: string;
  readonly avgFillPrice: string | null;
  readonly signalPrice: string | null;
  /** Signal → first fill, virtual ms; null when it never filled. */
  readonly fillLatencyMs: number | null;
  readonly exitPrice: string | null;
  readonly exitReason: string | null;
  readonly netPnl: string | null;
}

/** What the runner knows of each entry signal that was sent (keyed by the entry's orderLinkId). */
export interface EntryTrace {
  readonly signalPrice: string;
  /** Virtual time the strategy emitted it (after its compute time), exact ms. */
  readonly signalAtMs: number;
  firstFillAtMs: number | null;
  maker: boolean;
  positionId: string | null;
}

export interface ReportInput {
  readonly title: string;
  readonly run: Record<string, string>;
  readonly settings: Record<string, string>;
  readonly positions: readonly PositionRecord[];
  readonly orders: readonly OrderRecord[];
  readonly traces: ReadonlyMap<string, EntryTrace>;
  /** Positions the run closed because the data ended (exit reason END_OF_DATA). */
  readonly endOfData: ReadonlySet<string>;
  readonly entryOrdersPlaced: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly sampleMs: number;
  readonly equity: readonly EquityPoint[];
  readonly prices: Readonly<Record<string, readonly PricePoint[]>>;
  readonly midAt: (symbol: string, timeMs: number) => number | undefined;
  readonly counters: Record<string, number>;
}

/** Points kept per series in the report (every k-th sample plus the last). */
const MAX_POINTS = 5000;

export function buildReport(input: ReportInput): BacktestReport {
  const byPosition = new Map<string, EntryTrace>();
  for (const trace of input.traces.values()) if (trace.positionId !== null) byPosition.set(trace.positionId, trace);
  const trades: ClosedTrade[] = [];
  let kernelNet = Dec.ZERO;
  let openAtEnd = 0;
  const positions = [...input.positions].sort((a, b) => time(a.openedAt) - time(b.openedAt) || cmp(a.id, b.id));
  for (const position of positions) {
    if (position.status !== 'Closed') {
      openAtEnd += 1;
      continue;
    }
    if (position.entryPrice === null || position.exitPrice === null || position.openedAt === null) continue;
    const trace = byPosition.get(position.id);
    const entryTimeMs = time(position.openedAt);
    trades.push({
      symbol: position.symbol,
      side: position.side,
      qty: position.exitedQuantity !== '0' ? position.exitedQuantity : position.quantity,
      entryPrice: position.entryPrice,
      exitPrice: position.exitPrice,
      fees: position.fees,
      entryTimeMs,
      exitTimeMs: position.closedAt ? time(position.closedAt) : entryTimeMs,
      exitReason: input.endOfData.has(position.id) ? 'END_OF_DATA' : (position.exitReason ?? 'UNKNOWN'),
      signalPrice: trace?.signalPrice ?? position.entryPrice,
      fillLatencyMs:
        trace && trace.firstFillAtMs !== null ? round3(trace.firstFillAtMs - trace.signalAtMs) : Number.NaN,
      maker: trace?.maker ?? false,
    });
    kernelNet = kernelNet.add(Dec.parse(position.realizedPnl));
  }
  const metrics = computeReportMetrics({
    trades,
    equity: input.equity,
    entryOrdersPlaced: input.entryOrdersPlaced,
    startMs: input.startMs,
    endMs: input.endMs,
    periodMs: Math.max(60_000, input.sampleMs),
    midAt: input.midAt,
  });
  const first = input.equity[0]?.equity ?? '0';
  const last = input.equity[input.equity.length - 1]?.equity ?? first;
  const prices: Record<string, readonly PricePoint[]> = {};
  for (const symbol of Object.keys(input.prices).sort()) prices[symbol] = thin(input.prices[symbol]);
  return {
    title: input.title,
    run: input.run,
    settings: input.settings,
    metrics,
    counters: input.counters,
    reconciliation: {
      kernelNetPnl: kernelNet.toString(),
      reportNetPnl: metrics.netPnl,
      venueEquityChange: Dec.parse(last).sub(Dec.parse(first)).toString(),
      openAtEnd,
    },
    entries: entryRows(input),
    equity: thin(input.equity),
    prices,
  };
}

function entryRows(input: ReportInput): EntryRow[] {
  const positions = new Map(input.positions.map((p) => [p.id, p]));
  return input.orders
    .filter((o) => !o.reduceOnly)
    .map((order) => {
      const trace = input.traces.get(order.clientOrderId);
      const position = order.positionId === null ? undefined : positions.get(order.positionId);
      const filled = position !== undefined && position.entryPrice !== null;
      return {
        orderLinkId: order.clientOrderId,
        symbol: order.symbol,
        side: order.side,
        status: order.status,
        quantity: order.quantity,
        filledQuantity: order.filledQuantity,
        avgFillPrice: order.avgFillPrice,
        signalPrice: trace?.signalPrice ?? null,
        fillLatencyMs: trace && trace.firstFillAtMs !== null ? round3(trace.firstFillAtMs - trace.signalAtMs) : null,
        exitPrice: filled ? position.exitPrice : null,
        exitReason: !filled ? null : input.endOfData.has(position.id) ? 'END_OF_DATA' : position.exitReason,
        netPnl: filled && position.status === 'Closed' ? position.realizedPnl : null,
      };
    });
}

/**
 * The report.html document of a backtest report. The page leads with the results: its key/value block holds the run
 * (data, fingerprint, seed, window, overrides), the realism in one line, the signal funnel and the three PnL
 * cross-checks; every setting and counter is in report.json.
 */
export function reportDocument(report: BacktestReport): ReportDocument {
  const s = report.settings;
  const c = report.counters;
  const sum = (prefix: string) =>
    Object.entries(c)
      .filter(([k]) => k.startsWith(prefix))
      .reduce((n, [, v]) => n + v, 0);
  const runInfo: Record<string, string> = {
    ...report.run,
    realism:
      `latency ${s.BACKTEST_LATENCY_TO_VENUE_MS} + ${s.BACKTEST_LATENCY_FROM_VENUE_MS} ms, compute ${s.BACKTEST_COMPUTE_US} µs/msg, ` +
      `book impact ${s.BACKTEST_BOOK_IMPACT}, queue ${s.BACKTEST_QUEUE}, fees ${s.BACKTEST_FEES} ` +
      `(maker ${s.SIM_MAKER_FEE_RATE}, taker ${s.SIM_TAKER_FEE_RATE}), rate limit ${s.BACKTEST_RATE_LIMIT}, ` +
      `faults reject ${s.BACKTEST_FAULT_REJECT_RATE} timeout ${s.BACKTEST_FAULT_TIMEOUT_RATE} ` +
      `feed gap ${s.BACKTEST_FAULT_FEED_GAP_RATE ?? 0} for ${s.BACKTEST_FAULT_FEED_GAP_MS ?? 0} ms`,
    messages: `${c.messages ?? 0} (${c.bookMessages ?? 0} book, ${c.tradeMessages ?? 0} trades, ${c.bookGaps ?? 0} gaps)`,
    'feed faults':
      `${c.feed_outages ?? 0} outages, ${c.feed_lostBookMessages ?? 0} book and ${c.feed_lostTradeMessages ?? 0} trade ` +
      `messages lost, ${c.feed_resyncRequests ?? 0} resync requests, ${c.feed_resyncSnapshots ?? 0} snapshots`,
    signals:
      `${c.signals ?? 0}: ${c.signal_sent ?? 0} entries sent, ${c.signal_exit ?? 0} exits, ` +
      `${sum('risk_rejected_')} refused by risk, ${c.signal_ignored ?? 0} ignored`,
    venue: `${c.venue_creates ?? 0} creates, ${c.venue_rejected ?? 0} rejected, ${c.venue_timeouts ?? 0} timed out, ${c.venue_rateLimitWaits ?? 0} rate-limit waits`,
    'net PnL (kernel / report / venue equity)': `${report.reconciliation.kernelNetPnl} / ${report.reconciliation.reportNetPnl} / ${report.reconciliation.venueEquityChange}`,
    'open at end': String(report.reconciliation.openAtEnd),
  };
  return { title: report.title, runInfo, metrics: report.metrics, equity: report.equity, prices: report.prices };
}

function thin<T>(points: readonly T[]): T[] {
  if (points.length <= MAX_POINTS) return [...points];
  const step = Math.ceil(points.length / MAX_POINTS);
  const out: T[] = [];
  for (let i = 0; i < points.length; i += step) out.push(points[i]);
  if (out[out.length - 1] !== points[points.length - 1]) out.push(points[points.length - 1]);
  return out;
}

function time(date: Date | null): number {
  return date === null ? Number.POSITIVE_INFINITY : date.getTime();
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
