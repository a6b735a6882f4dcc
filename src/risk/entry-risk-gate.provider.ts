import type { Provider } from '@nestjs/common';
import { InstrumentsService } from '../exchange/instruments.service';
import { CircuitBreakerRegistry } from '../exchange/resilience/circuit-breaker.registry';
import type { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import { EntryRiskGate } from './domain/entry-risk-gate';
import { KillSwitchStore } from './kill-switch.store';
import { RiskRejectionRecorder } from './risk-rejection.recorder';

/** The breaker group of order entry (bybit.constants ENDPOINT_GROUPS). */
export const TRADE_GROUP = 'trade';

/** The live entry gate: the pure EntryRiskGate wired to the stored kill switch, the exchange's breaker and filters. */
export const ENTRY_RISK_GATE_PROVIDER: Provider = {
  provide: EntryRiskGate,
  inject: [APP_CONFIG, KillSwitchStore, RiskRejectionRecorder, CircuitBreakerRegistry, InstrumentsService],
  useFactory: (
    config: AppConfig,
    killSwitch: KillSwitchStore,
    rejections: RiskRejectionRecorder,
    breakers: CircuitBreakerRegistry,
    instruments: InstrumentsService,
  ) =>
    new EntryRiskGate({
      limits: config.risk,
      bookMaxAgeMs: config.trading.orderbookStaleMs,
      killSwitch,
      tradeBreaker: () => breakers.state(TRADE_GROUP),
      instrument: (symbol) => instruments.get(symbol),
      rejections,
    }),
};
