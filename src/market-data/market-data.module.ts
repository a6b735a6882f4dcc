import { Module } from '@nestjs/common';
import { CandleService } from './candle.service';
import { MarketDataController } from './market-data.controller';
import { SnapshotRetentionService } from './snapshot-retention.service';
import { SnapshotWriter } from './snapshot-writer.service';
import { OrderBookModule } from '../order-book/order-book.module';

/**
 * Market data: 1-minute candles (REST back-fill + kline.1 stream) and the retention of `market_data_snapshots`
 * (partitions or the TimescaleDB policy); trades and snapshot writes join this module. Needs the global DataSource, APP_CONFIG and
 * Clock, and ScheduleModule.forRoot() in the app for the hourly pass.
 */
@Module({
  imports: [OrderBookModule],
  controllers: [MarketDataController],
  providers: [SnapshotRetentionService, CandleService, SnapshotWriter],
  exports: [SnapshotRetentionService, CandleService],
})
export class MarketDataModule {}
