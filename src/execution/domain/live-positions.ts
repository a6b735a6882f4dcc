import type { ExposureSnapshot } from '../../risk/domain/risk.types';
import type { Side } from './position-accounting';

/** What the hot path needs of a live position: numbers and ticks, no entity, no decimal parsing per frame. */
export interface LivePosition {
  readonly id: string;
  readonly symbol: string;
  readonly side: Side;
  status: 'Opening' | 'Open' | 'Closing';
  /** Open size as a number (exposure only; the exact decimal lives in the database). */
  quantity: number;
  entryPrice: number | null;
  /** Thresholds in ticks of the instrument (exact integer comparisons against the book's ticks). */
  takeProfitTicks: number | null;
  stopLossTicks: number | null;
  /** When the first entry fill happened; null while Opening. */
  openedAtMs: number | null;
  /** No new exit attempt before this time (back-off after a failed exit). */
  nextExitAtMs: number;
  failedExits: number;
  /**
   * The last exit order's fate is unknown (timeout, 5xx, exchange unreachable for the look-ups). Another
   * reduce-only exit is safe to send (it can never reduce more than the position), so the position is retried
   * while it stays Closing.
   */
  exitOutcomeUnknown: boolean;
}

/** An entry between the risk decision and the end of its order: its notional counts as pending exposure. */
export interface PendingEntry {
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly notionalUsdt: number;
  readonly signalPrice: number;
  /** performance.now() when the signal reached execution (latency percentiles). */
  readonly signalAtPerfMs: number;
  firstFillSeen: boolean;
}

const EXIT_BACKOFF_BASE_MS = 500;
const ENDED_ENTRIES_KEPT = 256;
const EXIT_BACKOFF_MAX_MS = 30_000;

/**
 * The in-memory picture of what the bot holds and is trying to hold, read synchronously by risk and exits on
 * every frame. It is a cache of the database, rebuilt from it by reconciliation and kept current by execution's
 * writes (after they commit); it never decides anything the database has not recorded, except reserving an
 * entry's exposure from the risk decision until its write-ahead row exists.
 */
export class LivePositions {
  private readonly positions = new Map<string, LivePosition>();
  private readonly positionBySymbol = new Map<string, LivePosition>();
  private readonly entries = new Map<string, PendingEntry>();
  /**
   * Entries whose order already ended, kept a little longer for the latency and slippage figures: Bybit pushes an
   * order's Filled status before its execution, so the fill usually arrives after the reservation is gone.
   */
  private readonly ended = new Map<string, PendingEntry>();
  private readonly entrySymbols = new Map<string, number>();
  /** Symbols with a live position or an active entry (the risk rule "one at a time per symbol"). */
  private readonly inUse = new Set<string>();
  private availableBalanceUsdt: number | null = null;
  private leverage = 1;

  // ---- exposure (hot path) -------------------------------------------------------------------------------

  exposure(): ExposureSnapshot {
    let openNotional = 0;
    let open = 0;
    for (const position of this.positions.values()) {
      open += 1;
      if (position.entryPrice !== null) openNotional += position.quantity * position.entryPrice;
    }
    let pending = 0;
    for (const entry of this.entries.values()) pending += entry.notionalUsdt;
    return {
      openPositions: open,
      symbolsInUse: this.inUse,
      openNotionalUsdt: openNotional,
      pendingNotionalUsdt: pending,
      availableBalanceUsdt: this.availableBalanceUsdt,
      leverage: this.leverage,
    };
  }

  setBalance(availableUsdt: number | null, leverage?: number): void {
    this.availableBalanceUsdt = availableUsdt !== null && Number.isFinite(availableUsdt) ? availableUsdt : null;
    if (leverage !== undefined && Number.isFinite(leverage) && leverage >= 1) this.leverage = leverage;
  }

  // ---- entries -------------------------------------------------------------------------------------------

  hasEntry(clientOrderId: string): boolean {
    return this.entries.has(clientOrderId);
  }

  entry(clientOrderId: string): PendingEntry | undefined {
    return this.entries.get(clientOrderId) ?? this.ended.get(clientOrderId);
  }

  reserveEntry(entry: Omit<PendingEntry, 'firstFillSeen'>): void {
    if (this.entries.has(entry.clientOrderId)) return;
    this.entries.set(entry.clientOrderId, { ...entry, firstFillSeen: false });
    this.entrySymbols.set(entry.symbol, (this.entrySymbols.get(entry.symbol) ?? 0) + 1);
    this.inUse.add(entry.symbol);
  }

  releaseEntry(clientOrderId: string): void {
    const entry = this.entries.get(clientOrderId);
    if (!entry) return;
    this.entries.delete(clientOrderId);
    this.ended.set(clientOrderId, entry);
    if (this.ended.size > ENDED_ENTRIES_KEPT) this.ended.delete(this.ended.keys().next().value as string);
    const left = (this.entrySymbols.get(entry.symbol) ?? 1) - 1;
    if (left > 0) this.entrySymbols.set(entry.symbol, left);
    else this.entrySymbols.delete(entry.symbol);
    this.refreshInUse(entry.symbol);
  }

  get pendingEntries(): number {
    return this.entries.size;
  }

  // ---- positions -----------------------------------------------------------------------------------------

  bySymbol(symbol: string): LivePosition | undefined {
    return this.positionBySymbol.get(symbol);
  }

  byId(id: string): LivePosition | undefined {
    return this.positions.get(id);
  }

  all(): IterableIterator<LivePosition> {
    return this.positions.values();
  }

  get size(): number {
    return this.positions.size;
  }

  /** Adds or replaces a live position (after a committed write); a Closed one is removed. */
  upsert(position: LivePosition | { readonly id: string; readonly symbol: string; readonly status: 'Closed' }): void {
    const previous = this.positions.get(position.id);
    if (position.status === 'Closed') {
      this.positions.delete(position.id);
      if (this.positionBySymbol.get(position.symbol)?.id === position.id) this.positionBySymbol.delete(position.symbol);
      this.refreshInUse(position.symbol);
      return;
    }
    if (previous) {
      // Keep the back-off state of the object the hot path holds.
      position.nextExitAtMs = Math.max(position.nextExitAtMs, previous.nextExitAtMs);
      position.failedExits = Math.max(position.failedExits, previous.failedExits);
      position.exitOutcomeUnknown = position.status === 'Closing' && previous.exitOutcomeUnknown;
    }
    this.positions.set(position.id, position);
    this.positionBySymbol.set(position.symbol, position);
    this.inUse.add(position.symbol);
  }

  /** A failed exit: wait before the next one, doubling up to 30 s. */
  exitFailed(positionId: string, nowMs: number): void {
    const position = this.positions.get(positionId);
    if (!position) return;
    position.failedExits += 1;
    position.nextExitAtMs =
      nowMs + Math.min(EXIT_BACKOFF_BASE_MS * 2 ** (position.failedExits - 1), EXIT_BACKOFF_MAX_MS);
  }

  /** An exit whose outcome could not be learned: retry it (while Closing) after the same back-off. */
  exitUnknown(positionId: string, nowMs: number): void {
    const position = this.positions.get(positionId);
    if (!position) return;
    position.exitOutcomeUnknown = true;
    this.exitFailed(positionId, nowMs);
  }

  /** Forget everything (reconciliation reloads from the database). Reservations of entries still in flight stay. */
  clearPositions(): void {
    const symbols = [...this.positionBySymbol.keys()];
    this.positions.clear();
    this.positionBySymbol.clear();
    for (const symbol of symbols) this.refreshInUse(symbol);
  }

  private refreshInUse(symbol: string): void {
    if (this.positionBySymbol.has(symbol) || this.entrySymbols.has(symbol)) this.inUse.add(symbol);
    else this.inUse.delete(symbol);
  }
}
