import { Module } from '@nestjs/common';
import { CandleService } from './candle.service';
import { MarketDataController } from './market-data.controller';
import { SnapshotRetentionService } from './snapshot-retention.service';

/**
 * Market data: 1-minute candles (REST back-fill + kline.1 stream) and the retention of `market_data_snapshots`
 * (partitions or the TimescaleDB policy); trades and snapshot writes join this module. Needs the global DataSource, APP_CONFIG and
 * Clock, and ScheduleModule.forRoot() in the app for the hourly pass.
 */
@Module({
  controllers: [MarketDataController],
  providers: [SnapshotRetentionService, CandleService],
  exports: [SnapshotRetentionService, CandleService],
})
export class MarketDataModule {}
