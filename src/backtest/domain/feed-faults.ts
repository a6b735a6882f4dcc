/** The feed-gap part of a backtest's fault profile (BACKTEST_FAULT_FEED_GAP_RATE / _MS). */
export interface FeedFaultOptions {
  /** Share of book messages (0–1) at which the bot's feed of that symbol breaks. */
  readonly gapRate: number;
  /**
   * How long it stays broken, ms: every message of the symbol (book and trades) from the breaking one until then is
   * lost, as in a WebSocket outage; 0 loses just the one book message (a dropped frame).
   */
  readonly gapMs: number;
}

/**
 * Decides which recorded messages never reach the bot. The venue (the exchange) still sees every message: the market
 * goes on while the bot's book falls behind, notices the jump in `u` at the first message after the outage (the live
 * gap check), asks for a snapshot (the live resync policy) and gets the venue's book a round trip later.
 * Pure and seeded: `random` is the run's fault stream, so the same seed loses the same messages.
 */
export class FeedFaults {
  outages = 0;
  lostBookMessages = 0;
  lostTradeMessages = 0;
  private readonly brokenUntil = new Map<string, number>();

  constructor(
    private readonly options: FeedFaultOptions,
    private readonly random: () => number,
  ) {}

  static enabled(options: FeedFaultOptions): boolean {
    return options.gapRate > 0;
  }

  /** Whether the book message of `symbol` at exchange time `ts` reaches the bot (it may start an outage). */
  bookReaches(symbol: string, ts: number): boolean {
    if (this.broken(symbol, ts)) {
      this.lostBookMessages++;
      return false;
    }
    if (this.random() >= this.options.gapRate) return true;
    this.outages++;
    this.lostBookMessages++;
    this.brokenUntil.set(symbol, ts + this.options.gapMs);
    return false;
  }

  /** Whether the trades of `symbol` at `ts` reach the bot (lost inside an outage). */
  tradesReach(symbol: string, ts: number): boolean {
    if (!this.broken(symbol, ts)) return true;
    this.lostTradeMessages++;
    return false;
  }

  private broken(symbol: string, ts: number): boolean {
    const until = this.brokenUntil.get(symbol);
    return until !== undefined && ts < until;
  }
}
