/**
 * Token bucket over the inbound messages of one /ws connection: `perSecond` sustained, `burst` at once. Pure (the
 * caller passes the time), one per connection, no timers: a refill is computed when a message arrives.
 */
export class MessageBudget {
  private tokens: number;
  private lastMs: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    nowMs: number,
  ) {
    this.tokens = burst;
    this.lastMs = nowMs;
  }

  /** Takes one message's token; false when the connection is over its rate (nothing is taken then). */
  take(nowMs: number): boolean {
    const elapsed = nowMs - this.lastMs;
    if (elapsed > 0) {
      this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.perSecond) / 1000);
      this.lastMs = nowMs;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
