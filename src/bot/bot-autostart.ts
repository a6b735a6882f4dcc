import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ExchangeConnectionService } from '../exchange/exchange-connection.service';
import type { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import { BotLifecycleService } from './bot-lifecycle.service';
import { BotError } from './domain/bot-state';

const RETRY_MS = 5000;

/** BOT_AUTOSTART: start trading once the exchange has connected (start itself waits for reconciliation). */
@Injectable()
export class BotAutostart implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Bot');
  private retryTimer: NodeJS.Timeout | null = null;
  private refusalLogged = false;
  private destroyed = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly lifecycle: BotLifecycleService,
    private readonly exchange: ExchangeConnectionService,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.execution.autostart) return;
    void this.exchange.whenStarted().then(() => this.attempt());
  }

  onModuleDestroy(): void {
    this.destroyed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  private attempt(): void {
    this.retryTimer = null;
    if (this.destroyed) return;
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
      if (!this.destroyed) this.retryTimer = setTimeout(() => this.attempt(), RETRY_MS);
    });
  }
}
