import type { AuditMapping } from './audit-mapping';

/** Every risk denial and kill-switch change. */
export const RISK_AUDIT: AuditMapping = {
  'risk.rejected': (event) => ({
    action: 'RISK_REJECTION',
    entityType: 'risk',
    entityId: event.symbol,
    // Risk checks run on the bot's own signals; no operator is involved.
    actor: 'bot',
    context: { signalId: event.signalId, side: event.side, details: event.details },
    reason: event.code,
    success: false,
    errorMessage: event.message,
    // The signal id is the trace id of everything the signal causes.
    traceId: event.traceId ?? event.signalId,
  }),

  'risk.kill-switch-changed': (event) => ({
    action: 'KILL_SWITCH_CHANGE',
    entityType: 'risk',
    entityId: 'kill-switch',
    actor: event.actor,
    oldValue: { active: event.previous },
    newValue: { active: event.active },
    context: { dailyRealisedPnlUsdt: event.dailyRealisedPnlUsdt, maxDailyLossUsdt: event.maxDailyLossUsdt },
    reason: event.reason,
    traceId: event.traceId,
  }),
};
