import { BookReadiness, EntryRiskInput, evaluateEntry, KillSwitchView } from './risk-rules';
import {
  EMPTY_EXPOSURE,
  EntrySide,
  ExposureSnapshot,
  InstrumentFilters,
  RiskDecision,
  RiskLimits,
  RiskRejection,
  TradeBreakerState,
} from './risk.types';

/** One entry a signal asks for. The signal id is the trace id of everything the check causes. */
export interface EntryCheck {
  readonly signalId: string;
  readonly symbol: string;
  readonly side: EntrySide;
  readonly price: string;
  readonly nowMs: number;
}

/**
 * The daily-loss kill switch as the gate sees it: read on every entry, fed every realised PnL. Live, the Nest
 * KillSwitchStore (persisted, shared by instances); in a backtest or a test, an InMemoryKillSwitch.
 */
export interface KillSwitchPort extends KillSwitchView {
  /** Counts a realised PnL; trips the switch at once when the day's counted loss reaches the limit. */
  recordRealisedPnl(pnlUsdt: number, atMs: number, traceId?: string): void;
}

/** Told of every refused entry (counting, the audit event): the gate itself neither counts nor publishes. */
export interface EntryRejectionSink {
  entryRejected(check: EntryCheck, rejection: RiskRejection): void;
}

export interface EntryRiskGateOptions {
  readonly limits: RiskLimits;
  /** ORDERBOOK_STALE_MS. */
  readonly bookMaxAgeMs: number;
  readonly killSwitch: KillSwitchPort;
  /** The order-entry ('trade') breaker; a backtest without breakers answers 'CLOSED'. */
  readonly tradeBreaker: () => TradeBreakerState;
  readonly instrument: (symbol: string) => InstrumentFilters | undefined;
  readonly rejections: EntryRejectionSink;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The entry decision of the hot path: synchronous, no I/O, from what it is handed (the book the pipeline already
 * holds, execution's exposure snapshot, the check's own clock time) and what its ports answer at once (kill
 * switch, trade breaker, instrument filters). One input object is reused per call, so a check allocates nothing
 * but its decision. Constructed from plain objects, it runs the same in the live bot and in a backtest.
 */
export class EntryRiskGate {
  private readonly input: Mutable<EntryRiskInput>;
  private readonly killSwitch: KillSwitchPort;
  private readonly tradeBreaker: () => TradeBreakerState;
  private readonly instrument: (symbol: string) => InstrumentFilters | undefined;
  private readonly rejections: EntryRejectionSink;

  constructor(options: EntryRiskGateOptions) {
    this.killSwitch = options.killSwitch;
    this.tradeBreaker = options.tradeBreaker;
    this.instrument = options.instrument;
    this.rejections = options.rejections;
    this.input = {
      request: { symbol: '', side: 'Buy', price: '', nowMs: 0 },
      killSwitch: options.killSwitch,
      book: undefined,
      bookMaxAgeMs: options.bookMaxAgeMs,
      tradeBreaker: 'CLOSED',
      instrument: undefined,
      exposure: EMPTY_EXPOSURE,
      limits: options.limits,
    };
  }

  /** `book` is the symbol's book as the caller holds it (undefined before its first message: BOOK_STALE). */
  checkEntry(check: EntryCheck, exposure: ExposureSnapshot, book: BookReadiness | undefined): RiskDecision {
    const input = this.input;
    input.request = check;
    input.book = book;
    input.tradeBreaker = this.tradeBreaker();
    input.instrument = this.instrument(check.symbol);
    input.exposure = exposure;
    const decision = evaluateEntry(input);
    if (!decision.approved) this.rejections.entryRejected(check, decision);
    return decision;
  }

  /** A closed position's realised PnL, counted against the daily loss limit (it may trip the kill switch). */
  recordRealisedPnl(pnlUsdt: number, atMs: number, traceId?: string): void {
    this.killSwitch.recordRealisedPnl(pnlUsdt, atMs, traceId);
  }

  get killSwitchActive(): boolean {
    return this.killSwitch.active;
  }
}
