import { Module } from '@nestjs/common';
import { ExecutionModule } from '../execution/execution.module';
import { SymbolOwnershipModule } from '../ownership/symbol-ownership.module';
import { RecoveryModule } from '../recovery/recovery.module';
import { FeaturesModule } from '../features/features.module';
import { MarketDataModule } from '../market-data/market-data.module';
import { OrderBookModule } from '../order-book/order-book.module';
import { StrategyModule } from '../strategy/strategy.module';
import { DashboardUiModule } from '../dashboard-ui/dashboard-ui.module';
import { BotAutostart } from './bot-autostart';
import { BotController } from './bot.controller';
import { BotLifecycleService } from './bot-lifecycle.service';
import { RootController } from './root.controller';
import { TradingParticipants } from './trading-participants';
import { TradingPipeline } from './trading-pipeline';

/** Wiring only: the participants' registration is TradingParticipants', BOT_AUTOSTART is BotAutostart's. */
@Module({
  controllers: [RootController, BotController],
  imports: [
    OrderBookModule,
    MarketDataModule,
    FeaturesModule,
    StrategyModule,
    ExecutionModule,
    RecoveryModule,
    SymbolOwnershipModule,
    DashboardUiModule,
  ],
  providers: [BotLifecycleService, TradingPipeline, TradingParticipants, BotAutostart],
  exports: [BotLifecycleService, TradingPipeline],
})
export class BotModule {}
