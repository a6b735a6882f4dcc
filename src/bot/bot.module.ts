import { Module } from '@nestjs/common';
import { BotController } from './bot.controller';
import { BotLifecycleService } from './bot-lifecycle.service';
import { RootController } from './root.controller';

@Module({
  controllers: [RootController, BotController],
  providers: [BotLifecycleService],
  exports: [BotLifecycleService],
})
export class BotModule {}
