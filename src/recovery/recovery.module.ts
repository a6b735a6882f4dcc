import { Module } from '@nestjs/common';
import { ExecutionModule } from '../execution/execution.module';
import { SymbolOwnershipModule } from '../ownership/symbol-ownership.module';
import { ReconciliationInputs } from './reconciliation-inputs';
import { ReconciliationRepairs } from './reconciliation-repairs';
import { ReconciliationRunner } from './reconciliation-runner';
import { ReconciliationService } from './reconciliation.service';

/**
 * Reconciles the database with the exchange (SPEC §9) through execution's recovery facade: gathering
 * (ReconciliationInputs), pure matching (./domain), repairs (ReconciliationRepairs), one run
 * (ReconciliationRunner), scheduling and the bot participant (ReconciliationService).
 */
@Module({
  imports: [ExecutionModule, SymbolOwnershipModule],
  providers: [ReconciliationInputs, ReconciliationRepairs, ReconciliationRunner, ReconciliationService],
  exports: [ReconciliationService],
})
export class RecoveryModule {}
