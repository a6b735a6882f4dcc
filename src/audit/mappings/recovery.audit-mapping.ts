import type { AuditMapping } from './audit-mapping';

/** Reconciliation: each repaired discrepancy, each run with what it fixed, and who owns the symbols it covers. */
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

  // Which instance trades a symbol, and when that changed hands, explains every order around a fail-over.
  'ownership.changed': (event) => ({
    action: 'SYMBOL_OWNERSHIP_CHANGE',
    entityType: 'symbol',
    entityId: event.symbols.join(','),
    actor: event.instance,
    newValue: { state: event.state, instance: event.instance, symbols: event.symbols },
    reason: event.reason,
    success: event.state === 'acquired',
    traceId: event.traceId,
  }),
};
