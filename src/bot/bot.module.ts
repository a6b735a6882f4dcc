import { Module, OnModuleInit } from '@nestjs/common';
import { ExchangeConnectionService } from '../exchange/exchange-connection.service';
import { BotController } from './bot.controller';
import { BotLifecycleService } from './bot-lifecycle.service';
import { RootController } from './root.controller';

@Module({
  controllers: [RootController, BotController],
  providers: [BotLifecycleService],
  exports: [BotLifecycleService],
})
export class BotModule implements OnModuleInit {
  constructor(
    private readonly lifecycle: BotLifecycleService,
    private readonly exchange: ExchangeConnectionService,
  ) {}

  /** Trading modules take part in start/stop in this order (stopped in reverse). */
  onModuleInit(): void {
    this.lifecycle.register(this.exchange);
  }
}
