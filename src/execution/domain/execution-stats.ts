import { LatencyWindow } from './latency-window';

export interface LatencySummary {
  readonly count: number;
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
  readonly max: number | null;
  readonly mean: number | null;
}

/** Receives each sample as it is recorded (milliseconds; slippage in signed basis points). */
export interface ExecutionStatsObserver {
  signalToSend(ms: number): void;
  signalToAck(ms: number): void;
  signalToFirstFill(ms: number): void;
  entrySlippage(bps: number): void;
  writeAheadCommit(ms: number): void;
}

/**
 * In-process execution figures for /trading/execution-stats: latency from the signal reaching execution to the
 * order being handed to the exchange client, to the exchange's acknowledgement and to the first fill, and the
 * entry slippage against the signal price. Recording is O(1) and allocation-free (it runs on the order path).
 */
export class ExecutionStatsRecorder {
  /** Metrics (histograms) see every sample the windows see; null when metrics are off. */
  private observer: ExecutionStatsObserver | null = null;
  private readonly signalToSendMs = new LatencyWindow(4096);
  private readonly signalToAckMs = new LatencyWindow(4096);
  private readonly signalToFillMs = new LatencyWindow(4096);
  /** Signed, in basis points of the signal price: positive = paid more (Buy) / received less (Sell). */
  private readonly slippageBps = new LatencyWindow(4096, true);
  private sent = 0;
  private acked = 0;
  private sendFailures = 0;
  private duplicatesSuppressed = 0;

  observe(observer: ExecutionStatsObserver | null): void {
    this.observer = observer;
  }

  recordSent(ms: number): void {
    this.sent += 1;
    this.signalToSendMs.record(ms);
    this.observer?.signalToSend(ms);
  }

  recordAck(ms: number): void {
    this.acked += 1;
    this.signalToAckMs.record(ms);
    this.observer?.signalToAck(ms);
  }

  /** The entry's write-ahead INSERT (order + position, one transaction) took `ms` to commit. */
  recordWriteAhead(ms: number): void {
    this.observer?.writeAheadCommit(ms);
  }

  recordSendFailure(): void {
    this.sendFailures += 1;
  }

  recordDuplicate(): void {
    this.duplicatesSuppressed += 1;
  }

  recordFirstFill(ms: number, side: 'Buy' | 'Sell', signalPrice: number, fillPrice: number): void {
    this.signalToFillMs.record(ms);
    this.observer?.signalToFirstFill(ms);
    if (signalPrice > 0 && fillPrice > 0) {
      const bps = ((fillPrice - signalPrice) / signalPrice) * 10_000 * (side === 'Buy' ? 1 : -1);
      this.slippageBps.record(bps);
      this.observer?.entrySlippage(bps);
    }
  }

  summary(): {
    readonly sent: number;
    readonly acknowledged: number;
    readonly sendFailures: number;
    readonly duplicatesSuppressed: number;
    readonly signalToSendMs: LatencySummary;
    readonly signalToAckMs: LatencySummary;
    readonly signalToFillMs: LatencySummary;
    readonly slippageBps: LatencySummary;
  } {
    return {
      sent: this.sent,
      acknowledged: this.acked,
      sendFailures: this.sendFailures,
      duplicatesSuppressed: this.duplicatesSuppressed,
      signalToSendMs: summarise(this.signalToSendMs),
      signalToAckMs: summarise(this.signalToAckMs),
      signalToFillMs: summarise(this.signalToFillMs),
      slippageBps: summarise(this.slippageBps),
    };
  }
}

function summarise(window: LatencyWindow): LatencySummary {
  const [p50, p90, p99, max] = window.percentiles([50, 90, 99, 100]);
  const round = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 1000);
  return {
    count: window.count,
    p50: round(p50),
    p90: round(p90),
    p99: round(p99),
    max: round(max),
    mean: round(window.mean()),
  };
}
