import { Module } from '@nestjs/common';
import { BacktestController } from './backtest.controller';
import { BACKTEST_WORKER_MODULE, BacktestService, defaultWorkerModule } from './backtest.service';

/**
 * Backtests over the API: stored runs under DATA_DIR/backtests, started on recordings under BACKTEST_DATA_DIR in
 * worker threads; progress and completion on /ws `backtests` (through the event bus).
 */
@Module({
  controllers: [BacktestController],
  providers: [BacktestService, { provide: BACKTEST_WORKER_MODULE, useFactory: defaultWorkerModule }],
  exports: [BacktestService],
})
export class BacktestModule {}
