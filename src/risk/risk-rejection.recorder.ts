import { Injectable } from '@nestjs/common';
import { EventBus } from '../infra/events/event-bus';
import type { EntryCheck, EntryRejectionSink } from './domain/entry-risk-gate';
import { RejectionCounter } from './domain/rejection-counter';
import type { RiskRejection, RiskRejectionCode } from './domain/risk.types';

/** The live gate's rejection sink: counts each refused entry (for the risk status) and publishes it (audited). */
@Injectable()
export class RiskRejectionRecorder implements EntryRejectionSink {
  private readonly counter = new RejectionCounter();

  constructor(private readonly events: EventBus) {}

  entryRejected(check: EntryCheck, rejection: RiskRejection): void {
    this.counter.entryRejected(check, rejection);
    this.events.publish('risk.rejected', {
      traceId: check.signalId,
      signalId: check.signalId,
      symbol: check.symbol,
      side: check.side,
      code: rejection.code,
      message: rejection.message,
      details: rejection.details,
    });
  }

  counts(): Readonly<Record<RiskRejectionCode, number>> {
    return this.counter.counts();
  }
}
