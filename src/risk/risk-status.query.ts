import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { RateLimiterRegistry, RateLimitStatus } from '../exchange/rate-limit/rate-limiter.registry';
import { BreakerStatus, CircuitBreakerRegistry } from '../exchange/resilience/circuit-breaker.registry';
import { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import { OrderBookService } from '../order-book/order-book.service';
import { ExposureSource } from './domain/exposure-source';
import { sumUsdt } from './domain/kill-switch';
import { BookCondition, bookCondition } from './domain/risk-rules';
import type { RiskRejectionCode } from './domain/risk.types';
import { TRADE_GROUP } from './entry-risk-gate.provider';
import { KillSwitchStatus, KillSwitchStore } from './kill-switch.store';
import { RiskRejectionRecorder } from './risk-rejection.recorder';

export interface RiskStatus {
  readonly limits: AppConfig['risk'];
  readonly usage: {
    readonly openPositions: number;
    readonly maxOpenPositions: number;
    readonly openExposureUsdt: number;
    readonly pendingExposureUsdt: number;
    readonly exposureUsdt: number;
    readonly maxExposureUsdt: number;
    readonly dailyRealisedPnlUsdt: number;
    readonly maxDailyLossUsdt: number;
    readonly availableBalanceUsdt: number | null;
    readonly leverage: number;
  };
  readonly killSwitch: KillSwitchStatus;
  readonly circuitBreakers: BreakerStatus[];
  readonly rateLimits: RateLimitStatus[];
  readonly books: Array<{ readonly symbol: string; readonly stale: boolean; readonly condition: BookCondition }>;
  readonly rejections: Readonly<Record<RiskRejectionCode, number>>;
  readonly entriesAllowed: boolean;
}

/**
 * The risk picture for GET /trading/risk-status and the metrics scrape: limits and their usage, the kill switch,
 * breakers, limiters, book freshness and rejection counts. Off the hot path; it only reads.
 *
 * Eight dependencies, one more than the usual bound: each is one read source of the report (limits, clock, kill
 * switch, rejection counts, exposure, books, breakers, limiters), and grouping them would only add a pass-through.
 */
@Injectable()
export class RiskStatusQuery {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly killSwitch: KillSwitchStore,
    private readonly rejections: RiskRejectionRecorder,
    private readonly exposure: ExposureSource,
    private readonly orderBooks: OrderBookService,
    private readonly breakers: CircuitBreakerRegistry,
    private readonly rateLimits: RateLimiterRegistry,
  ) {}

  /** Kill switch off and the 'trade' breaker not OPEN. */
  entriesAllowed(): boolean {
    return !this.killSwitch.active && this.breakers.state(TRADE_GROUP) !== 'OPEN';
  }

  async status(): Promise<RiskStatus> {
    const nowMs = this.clock.nowMs();
    const limits = this.config.risk;
    const exposure = this.exposure.exposure();
    const killSwitch = this.killSwitch.killSwitchStatus(nowMs);
    return {
      limits: { ...limits },
      usage: {
        openPositions: exposure.openPositions,
        maxOpenPositions: limits.maxOpenPositions,
        openExposureUsdt: exposure.openNotionalUsdt,
        pendingExposureUsdt: exposure.pendingNotionalUsdt,
        exposureUsdt: sumUsdt(exposure.openNotionalUsdt, exposure.pendingNotionalUsdt),
        maxExposureUsdt: limits.maxExposureUsdt,
        dailyRealisedPnlUsdt: killSwitch.dailyRealisedPnlUsdt,
        maxDailyLossUsdt: limits.maxDailyLossUsdt,
        availableBalanceUsdt: exposure.availableBalanceUsdt,
        leverage: exposure.leverage,
      },
      killSwitch,
      circuitBreakers: this.breakers.status(),
      rateLimits: await this.rateLimits.status(),
      books: this.orderBooks.symbols().map((symbol) => {
        const condition = bookCondition(this.orderBooks.book(symbol), nowMs, this.config.trading.orderbookStaleMs);
        return { symbol, stale: condition !== 'fresh', condition };
      }),
      rejections: this.rejections.counts(),
      entriesAllowed: this.entriesAllowed(),
    };
  }
}
