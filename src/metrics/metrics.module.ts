import { DynamicModule, Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { BotModule } from '../bot/bot.module';
import { ExecutionModule } from '../execution/execution.module';
import { GatewayModule } from '../gateway/gateway.module';
import { OrderBookModule } from '../order-book/order-book.module';
import { RiskStatusModule } from '../risk/risk-status.module';
import { MetricsRegistry } from './metrics.registry';
import { MetricsServer } from './metrics.server';
import { TradingMetricsCollector } from './trading-metrics.collector';

/**
 * Prometheus metrics. It observes the other modules (events, status reads, two timing hooks) and nothing
 * imports it, so METRICS_ENABLED=false removes it whole: no listener, no subscriber, no clock read per update.
 */
@Module({})
export class MetricsModule {
  static forRoot(enabled: boolean): DynamicModule {
    if (!enabled) return { module: MetricsModule };
    return {
      module: MetricsModule,
      imports: [AuditModule, BotModule, ExecutionModule, GatewayModule, OrderBookModule, RiskStatusModule],
      providers: [
        { provide: MetricsRegistry, useFactory: () => new MetricsRegistry() },
        TradingMetricsCollector,
        MetricsServer,
      ],
      exports: [MetricsRegistry, MetricsServer],
    };
  }
}
