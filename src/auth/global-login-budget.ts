import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import { GlobalFailureBudget } from './domain/global-failure-budget';
import { keyOf } from './login-throttle';

/** How long an address that logged in successfully stays trusted, and how many are remembered. */
const TRUST_MS = 30 * 24 * 3600 * 1000;
const MAX_TRUSTED = 256;

/**
 * The global half of login throttling (LoginThrottle is the per-address half): a failure budget over all
 * addresses (GlobalFailureBudget) and the addresses that logged in successfully recently, which bypass it and
 * whose checks go first in the bcrypt queue. So a guess spread over many addresses stops costing bcrypt time
 * once over budget, and the operator at a known address is answered within about one comparison.
 * Per process (memory): with several instances each keeps its own budget, which only loosens it by that factor.
 */
@Injectable()
export class GlobalLoginBudget {
  private readonly budget: GlobalFailureBudget;
  private readonly trusted = new Map<string, number>();

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly clock: Clock,
  ) {
    this.budget = new GlobalFailureBudget({
      maxFailures: config.loginGlobal.maxFailures,
      windowMs: config.auth.loginWindowSeconds * 1000,
      maxBackoffMs: config.loginGlobal.maxBackoffSeconds * 1000,
    });
  }

  isTrusted(clientAddress: string): boolean {
    const since = this.trusted.get(keyOf(clientAddress));
    return since !== undefined && this.clock.nowMs() - since < TRUST_MS;
  }

  /** Seconds an untrusted address must wait before its password is checked; 0 when it may go now. */
  blockedForSeconds(clientAddress: string): number {
    if (this.isTrusted(clientAddress)) return 0;
    const ms = this.budget.blockedForMs(this.clock.nowMs());
    return ms > 0 ? Math.max(1, Math.ceil(ms / 1000)) : 0;
  }

  failed(): void {
    this.budget.recordFailure(this.clock.nowMs());
  }

  succeeded(clientAddress: string): void {
    const key = keyOf(clientAddress);
    this.trusted.delete(key); // re-inserted last: the Map's order is least recently successful first
    this.trusted.set(key, this.clock.nowMs());
    if (this.trusted.size > MAX_TRUSTED) this.trusted.delete(this.trusted.keys().next().value as string);
  }
}
