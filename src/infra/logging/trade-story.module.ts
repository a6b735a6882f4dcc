import { Module } from '@nestjs/common';
import { TradeStoryLogger } from './trade-story.logger';

/** The trade-story log lines (trade-story.logger.ts); needs the global EventBus and Clock. */
@Module({ providers: [TradeStoryLogger] })
export class TradeStoryModule {}
