/**
 * Where a resting limit order of ours stands in the queue at its price level, estimated from public data only (the
 * replayed book shows each level's total size, never who is in it). All sizes in lots.
 *
 * The estimate (README "Backtest realism"):
 * - On arrival the order joins the back of the queue: `ahead` = the level's visible size at that moment.
 * - A public trade at our price on our side (a taker hitting our level) first consumes the queue ahead of us; what
 *   trades beyond it fills us. Trades through our price are the matching engine's (they fill us as well).
 * - When the level shrinks by more than the trades seen at it since its last update, the rest was cancelled.
 *   Cancels are taken pro rata from ahead and behind us (each resting lot equally likely to be cancelled), so
 *   `ahead` shrinks by cancelled × ahead / (size before the cancels). Growth of the level joins behind us.
 * - `ahead` never exceeds the level's visible size.
 * Conservative choices: no fill on a touch without a trade, and a trade at our price fills us only after the
 * whole estimated queue ahead traded.
 */
export class QueuePosition {
  /** Lots estimated ahead of us. */
  ahead: number;
  /** Visible size of our level at its last update. */
  private levelLots: number;
  /** Lots traded at our level since its last update (they explain part of its next shrink). */
  private tradedSinceUpdate = 0;

  constructor(visibleLots: number) {
    this.ahead = Math.max(0, visibleLots);
    this.levelLots = Math.max(0, visibleLots);
  }

  /** A public trade of `lots` at our price against our side: returns how many lots of it reach us. */
  onTrade(lots: number): number {
    this.tradedSinceUpdate += lots;
    const used = Math.min(this.ahead, lots);
    this.ahead -= used;
    return lots - used;
  }

  /** Our level's visible size is now `lots` (a book update touched it). */
  onLevel(lots: number): void {
    const before = this.levelLots;
    const shrink = before - lots;
    const cancelled = shrink - this.tradedSinceUpdate;
    if (cancelled > 0) {
      const standing = before - this.tradedSinceUpdate;
      if (standing > 0) this.ahead -= (cancelled * this.ahead) / standing;
    }
    this.ahead = Math.max(0, Math.min(this.ahead, lots));
    this.levelLots = lots;
    this.tradedSinceUpdate = 0;
  }
}
