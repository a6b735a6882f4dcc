/**
 * When a book that lost sync (a gap in `u`, a crossed book, a parse error, a reconnect) asks the exchange for a fresh
 * snapshot. One instance per symbol; pure, time comes in as an argument, so the live OrderBookService and the
 * backtest's feed-fault replay decide the same way.
 *
 * A request is sent at most once per `minIntervalMs`; one inside the window is deferred, never dropped: the watchdog
 * (`RESYNC_WATCHDOG_MS`) asks `requestNow` again for every book still out of sync, which also covers a resubscribe
 * whose snapshot never came (a lost frame, a refused subscribe). A book out of sync therefore recovers within the
 * interval + the watchdog period + a round trip once the feed is healthy.
 */
export const RESYNC_MIN_INTERVAL_MS = 1000;
export const RESYNC_WATCHDOG_MS = 250;

export class ResyncPolicy {
  private lastRequestMs = Number.NEGATIVE_INFINITY;
  /** Snapshot requests sent (for logs, metrics and the backtest report). */
  requests = 0;

  constructor(private readonly minIntervalMs: number = RESYNC_MIN_INTERVAL_MS) {}

  /** True when a snapshot request should go out now (and records it); false when one went out within the window. */
  requestNow(nowMs: number): boolean {
    if (nowMs - this.lastRequestMs < this.minIntervalMs) return false;
    this.lastRequestMs = nowMs;
    this.requests++;
    return true;
  }

  /** A request made by other means (the stream's own resubscribe after a reconnect) counts as one. */
  requestedBy(nowMs: number): void {
    this.lastRequestMs = nowMs;
  }
}
