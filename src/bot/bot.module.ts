import { Inject, Logger, Module, OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import { ExecutionModule } from '../execution/execution.module';
import { ExecutionService } from '../execution/execution.service';
import { SymbolOwnershipModule } from '../ownership/symbol-ownership.module';
import { SymbolOwnershipService } from '../ownership/symbol-ownership.service';
import { RecoveryModule } from '../recovery/recovery.module';
import { ReconciliationService } from '../recovery/reconciliation.service';
import { ExchangeConnectionService } from '../exchange/exchange-connection.service';
import { FeaturesModule } from '../features/features.module';
import { MarketDataModule } from '../market-data/market-data.module';
import { OrderBookModule } from '../order-book/order-book.module';
import { StrategyModule } from '../strategy/strategy.module';
import { DashboardUiModule } from '../dashboard-ui/dashboard-ui.module';
import { TradingPipeline } from './trading-pipeline';
import { BotController } from './bot.controller';
import { BotLifecycleService } from './bot-lifecycle.service';
import { BotError } from './domain/bot-state';
import { RootController } from './root.controller';

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
  providers: [BotLifecycleService, TradingPipeline],
  exports: [BotLifecycleService, TradingPipeline],
})
export class BotModule implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Bot');
  private autostartTimer: NodeJS.Timeout | null = null;
  private refusalLogged = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly lifecycle: BotLifecycleService,
    private readonly exchange: ExchangeConnectionService,
    private readonly pipeline: TradingPipeline,
    private readonly recovery: ReconciliationService,
    private readonly execution: ExecutionService,
    private readonly ownership: SymbolOwnershipService,
  ) {}

  /** BOT_AUTOSTART: start trading once the exchange is connected (start itself waits for reconciliation). */
  onApplicationBootstrap(): void {
    if (!this.config.execution.autostart) return;
    const attempt = () => {
      this.autostartTimer = null;
      if (this.exchange.status().state === 'stopped') {
        this.autostartTimer = setTimeout(attempt, 200);
        return;
      }
      this.lifecycle.start('system').catch((error: unknown) => {
        // A standby is refused for as long as another instance holds its symbols: say so once, not every 5 s.
        const refused = error instanceof BotError && error.code === 'START_REFUSED';
        if (!refused || !this.refusalLogged)
          this.logger.warn(
            { err: error },
            refused
              ? 'autostart refused; retrying every 5 s until the symbols are free'
              : 'autostart failed; retrying in 5 s',
          );
        this.refusalLogged = refused;
        this.autostartTimer = setTimeout(attempt, 5000);
      });
    };
    attempt();
  }

  onModuleDestroy(): void {
    if (this.autostartTimer) clearTimeout(this.autostartTimer);
  }

  /** Trading modules take part in start/stop in this order (stopped in reverse). */
  onModuleInit(): void {
    // First: a symbol another instance trades is refused before anything else starts (SPEC §12).
    this.lifecycle.register(this.ownership);
    this.lifecycle.register(this.exchange);
    // Market data → features → signals runs whether or not the bot trades; the participant reports its counters.
    this.lifecycle.register({
      name: 'signals',
      start: async () => undefined,
      stop: async () => undefined,
      status: () => ({ state: 'running', counters: this.pipeline.counters() }),
    });
    // Reconciliation before execution: start() fails unless the database agrees with the exchange.
    this.lifecycle.register(this.recovery);
    this.lifecycle.register(this.execution);
  }
}
