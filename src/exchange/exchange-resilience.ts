import { RateLimiterRegistry, RateLimitStatus } from './rate-limit/rate-limiter.registry';
import { BreakerStatus, CircuitBreakerRegistry } from './resilience/circuit-breaker.registry';

/** The Bybit client's rate limiters and circuit breakers as one face: their status and their shutdown. */
export class ExchangeResilience {
  constructor(
    private readonly rateLimits: RateLimiterRegistry,
    private readonly breakers: CircuitBreakerRegistry,
  ) {}

  /** For /exchange/status and /trading/risk-status. */
  async status(): Promise<{ readonly rateLimits: RateLimitStatus[]; readonly breakers: BreakerStatus[] }> {
    return { rateLimits: await this.rateLimits.status(), breakers: this.breakers.status() };
  }

  breakerStates(): Record<string, string> {
    return Object.fromEntries(this.breakers.status().map((b) => [b.group, b.state]));
  }

  async shutdown(): Promise<void> {
    this.breakers.shutdown();
    await this.rateLimits.stop();
  }
}
