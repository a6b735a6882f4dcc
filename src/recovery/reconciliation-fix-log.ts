import type { Logger } from '@nestjs/common';
import type { EventBus } from '../infra/events/event-bus';
import { currentTraceId } from '../infra/tracing/trace-context';
import type { DiscrepancyKind } from './recovery.events';

export type FixCounts = Partial<Record<DiscrepancyKind, number>>;

/**
 * The repairs of one reconciliation run: counted by kind (the run's summary), logged, and published one by one for
 * the audit trail. `onFirstFix` runs once, after the run's first repair (the crash suite kills the process there).
 */
export class FixLog {
  readonly fixes: FixCounts = {};
  private count = 0;

  constructor(
    private readonly events: EventBus,
    private readonly logger: Logger,
    private readonly onFirstFix: () => void,
  ) {}

  get total(): number {
    return this.count;
  }

  record(
    kind: DiscrepancyKind,
    entityType: 'order' | 'position' | 'trade',
    entity: { readonly id: string; readonly symbol: string } | null,
    oldValue: unknown,
    newValue: unknown,
    reason: string,
    symbol = entity?.symbol ?? '',
  ): void {
    this.fixes[kind] = (this.fixes[kind] ?? 0) + 1;
    this.logger.warn({ kind, entityId: entity?.id, symbol, oldValue, newValue }, `reconciliation fix: ${reason}`);
    this.events.publish('recovery.discrepancy-fixed', {
      traceId: currentTraceId(),
      kind,
      entityType,
      entityId: entity?.id ?? null,
      symbol,
      oldValue,
      newValue,
      reason,
    });
    this.count += 1;
    if (this.count === 1) this.onFirstFix();
  }
}
