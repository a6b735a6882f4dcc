import { Module } from '@nestjs/common';
import { ExecutionModule } from '../execution/execution.module';
import { ReconciliationService } from './reconciliation.service';

/** Reconciles the database with the exchange through execution's state machines (SPEC §9). */
@Module({
  imports: [ExecutionModule],
  providers: [ReconciliationService],
  exports: [ReconciliationService],
})
export class RecoveryModule {}
