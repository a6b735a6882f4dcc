import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ENTRY_RISK_GATE_PROVIDER } from './entry-risk-gate.provider';
import { EntryRiskGate } from './domain/entry-risk-gate';
import { RiskStateEntity } from './entities/risk-state.entity';
import { KillSwitchStore } from './kill-switch.store';
import { RiskRejectionRecorder } from './risk-rejection.recorder';
import { RiskStateRepository, RiskStateTypeormRepository } from './risk-state.repository';

/**
 * Entry risk: the hot-path entry gate and the daily-loss kill switch it reads (stored in risk_state, shared by
 * instances). Breakers and instruments come from the global ExchangeModule. Execution imports this module, never
 * the reverse; the status report and the HTTP face, which also read execution's exposure, are RiskStatusModule.
 */
@Module({
  imports: [TypeOrmModule.forFeature([RiskStateEntity])],
  providers: [
    { provide: RiskStateRepository, useClass: RiskStateTypeormRepository },
    KillSwitchStore,
    RiskRejectionRecorder,
    ENTRY_RISK_GATE_PROVIDER,
  ],
  exports: [EntryRiskGate, KillSwitchStore, RiskRejectionRecorder],
})
export class RiskModule {}
