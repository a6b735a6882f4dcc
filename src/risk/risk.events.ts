import type { RiskRejectionCode } from './domain/risk.types';

/** After-the-fact risk events: every rejection and every kill-switch change is audited. */
export interface RiskEvents {
  'risk.rejected': {
    readonly traceId?: string;
    /** The signal that asked for the entry (its id is the trace id). */
    readonly signalId: string;
    readonly symbol: string;
    readonly side: 'Buy' | 'Sell';
    readonly code: RiskRejectionCode;
    readonly message: string;
    readonly details: Readonly<Record<string, unknown>>;
  };
  'risk.kill-switch-changed': {
    readonly traceId?: string;
    readonly actor: string;
    readonly active: boolean;
    readonly previous: boolean;
    readonly reason: string;
    /** Realised PnL of the UTC day counted against the limit (negative = loss). */
    readonly dailyRealisedPnlUsdt: number;
    readonly maxDailyLossUsdt: number;
  };
}

declare module '../infra/events/domain-events' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging adds this module's events
  interface DomainEvents extends RiskEvents {}
}
