import { Module } from '@nestjs/common';
import { SnapshotRetentionService } from './snapshot-retention.service';

/**
 * Market data persistence. For now the retention of `market_data_snapshots` (partitions or the TimescaleDB
 * policy); candles, trades and snapshot writes join this module. Needs the global DataSource, APP_CONFIG and
 * Clock, and ScheduleModule.forRoot() in the app for the hourly pass.
 */
@Module({
  providers: [SnapshotRetentionService],
  exports: [SnapshotRetentionService],
})
export class MarketDataModule {}
