import { Module, OnModuleInit } from '@nestjs/common';
import { ExchangeConnectionService } from '../exchange/exchange-connection.service';
import { FeaturesModule } from '../features/features.module';
import { MarketDataModule } from '../market-data/market-data.module';
import { OrderBookModule } from '../order-book/order-book.module';
import { StrategyModule } from '../strategy/strategy.module';
import { TradingPipeline } from './trading-pipeline';
import { BotController } from './bot.controller';
import { BotLifecycleService } from './bot-lifecycle.service';
import { RootController } from './root.controller';

@Module({
  controllers: [RootController, BotController],
  imports: [OrderBookModule, MarketDataModule, FeaturesModule, StrategyModule],
  providers: [BotLifecycleService, TradingPipeline],
  exports: [BotLifecycleService],
})
export class BotModule implements OnModuleInit {
  constructor(
    private readonly lifecycle: BotLifecycleService,
    private readonly exchange: ExchangeConnectionService,
    private readonly pipeline: TradingPipeline,
  ) {}

  /** Trading modules take part in start/stop in this order (stopped in reverse). */
  onModuleInit(): void {
    this.lifecycle.register(this.exchange);
    // Market data → features → signals runs whether or not the bot trades; the participant reports its counters.
    this.lifecycle.register({
      name: 'signals',
      start: async () => undefined,
      stop: async () => undefined,
      status: () => ({ state: 'running', counters: this.pipeline.counters() }),
    });
  }
}
