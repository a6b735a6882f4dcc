import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OrderBookModule } from '../order-book/order-book.module';
import { AccountLeverageReader } from './account-leverage.reader';
import { RiskStateEntity } from './entities/risk-state.entity';
import { RiskStateRepository, RiskStateTypeormRepository } from './risk-state.repository';
import { RiskController } from './risk.controller';
import { RiskService } from './risk.service';

/**
 * Entry risk checks, limits and usage, the daily-loss kill switch. Breakers, limiters and instruments come from
 * the global ExchangeModule; books from OrderBookModule. Execution imports this module, never the reverse.
 */
@Module({
  imports: [TypeOrmModule.forFeature([RiskStateEntity]), OrderBookModule],
  controllers: [RiskController],
  providers: [
    RiskService,
    AccountLeverageReader,
    { provide: RiskStateRepository, useClass: RiskStateTypeormRepository },
  ],
  exports: [RiskService],
})
export class RiskModule {}
