import type { EntryCheck, EntryRejectionSink } from './entry-risk-gate';
import { RISK_REJECTION_CODES, RiskRejection, RiskRejectionCode } from './risk.types';

/** Refused entries per rejection code since start (what the risk status reports). */
export class RejectionCounter implements EntryRejectionSink {
  private readonly byCode = Object.fromEntries(RISK_REJECTION_CODES.map((code) => [code, 0])) as Record<
    RiskRejectionCode,
    number
  >;

  entryRejected(_check: EntryCheck, rejection: RiskRejection): void {
    this.byCode[rejection.code] += 1;
  }

  counts(): Readonly<Record<RiskRejectionCode, number>> {
    return { ...this.byCode };
  }
}
