import type { Clock } from '../../common/clock';
import type { OrderBook } from '../../order-book/domain/order-book';
import type { BookReadiness } from '../../risk/domain/risk-rules';
import type { EntrySide, ExposureSnapshot, RiskDecision } from '../../risk/domain/risk.types';
import type { CrashPoint } from './crash-points';

/**
 * The small ports of the execution kernel besides the store (execution-store.ts), the venue (ExchangeRest /
 * PrivateStream of exchange.port.ts), the Clock and the events sink (execution-events.ts). Live, Nest adapters bind
 * them to the app's services; a backtest binds them to its simulated world.
 */

/** What an entry asks risk (the same fields as EntryRiskGate's EntryCheck). */
export interface EntryRiskCheck {
  readonly signalId: string;
  readonly symbol: string;
  readonly side: EntrySide;
  readonly price: string;
  readonly nowMs: number;
}

/** The risk calls of execution: the hot-path entry gate and the realised PnL of every closed position. */
export interface RiskPort {
  /** `book`: the symbol's book as the caller holds it (the pipeline's frame), for the staleness rule and sizing. */
  checkEntry(check: EntryRiskCheck, exposure: ExposureSnapshot, book: BookReadiness | undefined): RiskDecision;
  recordRealisedPnl(pnlUsdt: number, atMs: number, traceId?: string): void;
}

/** Waits `ms` (the unknown-outcome look-up back-off, conflict retries): setTimeout live, a virtual clock in a backtest. */
export interface Delay {
  wait(ms: number): Promise<void>;
}

/**
 * A monotonic millisecond reading for latency figures (signal → sent, → ack, → first fill): performance.now()
 * live, the virtual clock in a backtest.
 */
export interface Stopwatch {
  nowMs(): number;
}

/** The named moments the crash-recovery suite kills the process at (CrashInjector live; nothing in a backtest). */
export interface CrashPointHook {
  reached(point: CrashPoint): void;
}

/** Tick size and qty step of a symbol (InstrumentsService live). */
export interface InstrumentLookup {
  get(symbol: string): { readonly tickSize: string; readonly qtyStep: string } | undefined;
}

/** The current book of a symbol (OrderBookService live): exits read it for the max-hold sweep and manual closes. */
export interface BookLookup {
  book(symbol: string): OrderBook | undefined;
}

/** Structured log lines (a Nest Logger live; silent or collected in a backtest). */
export interface ExecutionLog {
  warn(context: object, message: string): void;
  error(context: object, message: string): void;
}

export const SILENT_LOG: ExecutionLog = { warn: () => undefined, error: () => undefined };
export const NO_CRASH_POINTS: CrashPointHook = { reached: () => undefined };

/** Who caused a change, as recorded in audit rows. */
export type Actor = 'bot' | 'exchange' | 'recovery' | 'operator';

/**
 * The kernel's runtime seam, handed to its parts as one: time (wall clock and monotonic), waiting, logging and the
 * crash hooks. These are how the kernel runs, not whom it trades with.
 */
export interface KernelEnvironment {
  readonly clock: Clock;
  readonly stopwatch: Stopwatch;
  readonly delay: Delay;
  readonly log: ExecutionLog;
  readonly crashPoints: CrashPointHook;
}
