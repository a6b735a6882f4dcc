import type { AuditMapping } from './audit-mapping';
// The event map is merged per module (declaration merging): bring in the events this mapping names.
import type {} from '../../ownership/ownership.events';

/** Operator and infrastructure operations: bot start/stop, authentication, circuit breakers, symbol ownership. */
export const OPERATOR_AUDIT: AuditMapping = {
  'bot.started': (event) => ({
    action: 'BOT_START',
    entityType: 'bot',
    actor: event.actor,
    oldValue: { state: event.previous },
    newValue: { state: 'running', mode: event.mode },
    traceId: event.traceId,
  }),

  'bot.stopped': (event) => ({
    action: 'BOT_STOP',
    entityType: 'bot',
    actor: event.actor,
    oldValue: { state: event.previous },
    newValue: { state: 'stopped' },
    reason: event.reason,
    traceId: event.traceId,
  }),

  // Only the version number: never a password or a hash.
  'auth.password-changed': (event) => ({
    action: 'PASSWORD_CHANGE',
    entityType: 'auth',
    entityId: 'credentials',
    actor: event.actor,
    newValue: { passwordVersion: event.passwordVersion },
    traceId: event.traceId,
  }),

  // Only authenticated principals: unauthenticated login failures are counted per address in
  // security_event_counts (SecurityEventsService), where a flood costs one expiring row per address and minute.
  'auth.password-check-failed': (event) => ({
    action: 'LOGIN_FAILED',
    entityType: 'auth',
    entityId: 'credentials',
    actor: event.actor,
    context: { clientAddress: event.clientAddress },
    success: false,
    errorMessage: 'wrong current password',
    traceId: event.traceId,
  }),

  // An open breaker stops new entries: operators must be able to see when and why it happened.
  'exchange.breaker-changed': (event) => ({
    action: 'CIRCUIT_BREAKER_CHANGE',
    entityType: 'circuit_breaker',
    entityId: event.group,
    actor: event.actor ?? 'system',
    oldValue: { state: event.previous },
    newValue: { state: event.state, consecutiveFailures: event.consecutiveFailures },
    reason: event.reason,
    errorMessage: event.lastError ?? null,
    success: event.state !== 'OPEN',
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
