import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';

const NS_PER_MS = 1e6;

/**
 * Event-loop delay over the recent window (the histogram is reset after every read, at most every 10 s), so a
 * past stall does not keep the service unready forever. A hot path that blocks the loop makes the bot late on
 * every market-data frame: that is "not ready".
 */
@Injectable()
export class EventLoopLagIndicator implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private lastReset = Date.now();

  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.histogram.enable();
  }

  /** Boot is synchronous work by nature (module graph, warm-up): it says nothing about the running service. */
  onApplicationBootstrap(): void {
    this.histogram.reset();
    this.lastReset = Date.now();
  }

  check(key = 'eventLoop'): HealthIndicatorResult {
    const p99 = this.histogram.percentile(99) / NS_PER_MS;
    const max = this.histogram.max / NS_PER_MS;
    const limit = this.config.health.maxEventLoopLagMs;
    const data = { p99Ms: round(p99), maxMs: round(max), limitMs: limit };
    if (Date.now() - this.lastReset > 10_000) {
      this.histogram.reset();
      this.lastReset = Date.now();
    }
    const session = this.indicators.check(key);
    return p99 <= limit ? session.up(data) : session.down(data);
  }

  onModuleDestroy(): void {
    this.histogram.disable();
  }
}

function round(value: number): number {
  return Number.isFinite(value) ? Math.round(value * 100) / 100 : 0;
}
