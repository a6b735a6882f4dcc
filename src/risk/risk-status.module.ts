import { Module } from '@nestjs/common';
import { ExecutionModule } from '../execution/execution.module';
import { OrderBookModule } from '../order-book/order-book.module';
import { AccountLeverageReader } from './account-leverage.reader';
import { RiskController } from './risk.controller';
import { RiskModule } from './risk.module';
import { RiskStatusQuery } from './risk-status.query';

/**
 * The risk status report and the /trading risk endpoints. Separate from RiskModule because the report reads
 * execution's exposure (ExposureSource, provided by ExecutionModule), and execution itself imports RiskModule:
 * this module sits above both, so no module imports its importer.
 */
@Module({
  imports: [RiskModule, ExecutionModule, OrderBookModule],
  controllers: [RiskController],
  providers: [RiskStatusQuery, AccountLeverageReader],
  exports: [RiskStatusQuery],
})
export class RiskStatusModule {}
