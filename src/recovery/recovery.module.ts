import { Module } from '@nestjs/common';
import { ExecutionModule } from '../execution/execution.module';
import { SymbolOwnershipModule } from '../ownership/symbol-ownership.module';
import { ReconciliationService } from './reconciliation.service';

/** Reconciles the database with the exchange through execution's state machines (SPEC §9). */
@Module({
  imports: [ExecutionModule, SymbolOwnershipModule],
  providers: [ReconciliationService],
  exports: [ReconciliationService],
})
export class RecoveryModule {}
