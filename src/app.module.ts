import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { AppConfig } from './infra/config/app-config';
import { ConfigModule } from './infra/config/config.module';
import { DatabaseModule } from './infra/database/database.module';
import { LoggingModule } from './infra/logging/logging.module';
import { TracingModule } from './infra/tracing/tracing.module';
import { DomainExceptionFilter } from './infra/http/domain-exception.filter';
import { createValidationPipe } from './infra/http/validation';
import { EventsModule } from './infra/events/events.module';
import { TimeModule } from './infra/time/time.module';
import { RedisModule } from './infra/redis/redis.module';
import { AuthModule } from './auth/auth.module';
import { ExchangeModule } from './exchange/exchange.module';
import { SimulatorModule } from './simulator/simulator.module';
import { OrderBookModule } from './order-book/order-book.module';
import { FeaturesModule } from './features/features.module';
import { StrategyModule } from './strategy/strategy.module';
import { JwtAuthGuard } from './auth/jwt-auth.guard';
import { AuditModule } from './audit/audit.module';
import { ExecutionModule } from './execution/execution.module';
import { RiskModule } from './risk/risk.module';
import { RiskStatusModule } from './risk/risk-status.module';
import { IdempotencyModule } from './idempotency/idempotency.module';
import { MarketDataModule } from './market-data/market-data.module';
import { BotModule } from './bot/bot.module';
import { HealthModule } from './health/health.module';
import { GatewayModule } from './gateway/gateway.module';
import { MetricsModule } from './metrics/metrics.module';
import { TradeStoryModule } from './infra/logging/trade-story.module';
import { BacktestModule } from './backtest/backtest.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, databaseUrl: string): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        TracingModule,
        LoggingModule.forRoot(config),
        DatabaseModule.forRoot(databaseUrl, config.database.poolSize),
        ScheduleModule.forRoot(),
        TimeModule,
        RedisModule,
        EventsModule,
        AuditModule,
        IdempotencyModule,
        AuthModule,
        SimulatorModule,
        ExchangeModule.forRoot(),
        OrderBookModule,
        FeaturesModule,
        StrategyModule,
        RiskModule,
        ExecutionModule,
        RiskStatusModule,
        MarketDataModule,
        BotModule,
        HealthModule,
        GatewayModule,
        MetricsModule.forRoot(config.metrics.enabled),
        TradeStoryModule,
        BacktestModule,
      ],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: DomainExceptionFilter },
        { provide: APP_GUARD, useClass: JwtAuthGuard },
      ],
    };
  }
}
