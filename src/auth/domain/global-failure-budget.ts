export interface GlobalFailureBudgetLimits {
  /** Failed password checks allowed per window, from all addresses together. */
  readonly maxFailures: number;
  readonly windowMs: number;
  /** Longest a block lasts, however long the attack: the operator is never locked out for good. */
  readonly maxBackoffMs: number;
}

/**
 * A failure budget shared by every client address, against a guess spread over many addresses that each stay
 * under their own limit. Over budget, checks from untrusted addresses are blocked for a backoff that starts at one
 * window and doubles each time the budget is blown again right after a block, capped at `maxBackoffMs`; a window
 * within budget forgets the strikes. Pure: the caller passes the time.
 */
export class GlobalFailureBudget {
  private windowStartMs = Number.NEGATIVE_INFINITY;
  private failures = 0;
  private strikes = 0;
  private blockedUntilMs = 0;

  constructor(private readonly limits: GlobalFailureBudgetLimits) {}

  /** Milliseconds until untrusted addresses may have their password checked again; 0 when they may now. */
  blockedForMs(nowMs: number): number {
    return Math.max(0, this.blockedUntilMs - nowMs);
  }

  recordFailure(nowMs: number): void {
    if (nowMs - this.windowStartMs >= this.limits.windowMs) {
      if (this.failures <= this.limits.maxFailures && nowMs >= this.blockedUntilMs) this.strikes = 0;
      this.windowStartMs = nowMs;
      this.failures = 0;
    }
    this.failures += 1;
    if (this.failures > this.limits.maxFailures && nowMs >= this.blockedUntilMs) {
      this.strikes += 1;
      const backoff = Math.min(this.limits.windowMs * 2 ** (this.strikes - 1), this.limits.maxBackoffMs);
      this.blockedUntilMs = nowMs + backoff;
    }
  }
}
