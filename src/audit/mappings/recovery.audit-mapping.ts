import type { AuditMapping } from './audit-mapping';

/** Reconciliation: each repaired discrepancy, and each run with what it fixed. */
export const RECOVERY_AUDIT: AuditMapping = {
  'recovery.discrepancy-fixed': (event) => ({
    action: 'RECONCILIATION_FIX',
    entityType: event.entityType,
    entityId: event.entityId,
    actor: 'recovery',
    oldValue: event.oldValue,
    newValue: event.newValue,
    context: { kind: event.kind, symbol: event.symbol },
    reason: event.reason,
    traceId: event.traceId,
  }),

  'recovery.completed': (event) => ({
    action: 'RECONCILIATION_RUN',
    entityType: 'reconciliation',
    actor: 'recovery',
    newValue: { trigger: event.trigger, durationMs: event.durationMs, fixes: event.fixes },
    reason: event.trigger,
    success: event.success,
    errorMessage: event.error ?? null,
    traceId: event.traceId,
  }),
};
