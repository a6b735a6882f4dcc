import type { DomainEvents } from '../../infra/events/domain-events';
import type { AuditAction } from '../audit-log.entity';
import type { AuditMapping } from './audit-mapping';

type OrderStatus = DomainEvents['order.status-changed']['order']['status'];

/** Terminal statuses that mean the order failed: audited as rejections, with success false. */
const FAILED_STATUSES: ReadonlySet<OrderStatus> = new Set<OrderStatus>(['Rejected', 'Failed']);

function statusChangeAction(to: OrderStatus): AuditAction {
  if (FAILED_STATUSES.has(to)) return 'ORDER_REJECT';
  if (to === 'Cancelled') return 'ORDER_CANCEL';
  return 'ORDER_STATUS_CHANGE';
}

/**
 * Orders and positions: every write on capital. Order rows keep the order view itself as newValue (plus the
 * fill for ORDER_FILL), so `new_value->>'status'` reads the same across an order's history.
 */
export const EXECUTION_AUDIT: AuditMapping = {
  'order.created': (event) => ({
    action: 'ORDER_CREATE',
    entityType: 'order',
    entityId: event.order.id,
    actor: event.actor,
    newValue: event.order,
    // Signal, market and indicator context at the decision to enter.
    context: event.context,
    reason: event.reason,
    traceId: event.traceId,
  }),

  'order.cancel-requested': (event) => ({
    action: 'ORDER_CANCEL',
    entityType: 'order',
    entityId: event.order.id,
    actor: event.actor,
    newValue: event.order,
    reason: event.reason,
    success: event.success,
    errorMessage: event.error ?? null,
    traceId: event.traceId,
  }),

  'order.status-changed': (event) => ({
    action: statusChangeAction(event.order.status),
    entityType: 'order',
    entityId: event.order.id,
    actor: event.actor,
    oldValue: { status: event.from },
    newValue: event.order,
    reason: event.cause,
    success: !FAILED_STATUSES.has(event.order.status),
    errorMessage: event.error ?? null,
    traceId: event.traceId,
  }),

  'order.filled': (event) => ({
    action: 'ORDER_FILL',
    entityType: 'order',
    entityId: event.order.id,
    actor: event.actor,
    newValue: { ...event.order, fill: event.fill },
    traceId: event.traceId,
  }),

  'position.opened': (event) => ({
    action: 'POSITION_OPEN',
    entityType: 'position',
    entityId: event.position.id,
    actor: event.actor,
    newValue: event.position,
    context: event.context,
    traceId: event.traceId,
  }),

  'position.updated': (event) => ({
    action: 'POSITION_UPDATE',
    entityType: 'position',
    entityId: event.position.id,
    actor: event.actor,
    oldValue: event.before,
    newValue: event.position,
    reason: event.cause,
    traceId: event.traceId,
  }),

  // Entry and exit context side by side: why the trade was opened and why (and into what market) it was closed.
  'position.closed': (event) => ({
    action: 'POSITION_CLOSE',
    entityType: 'position',
    entityId: event.position.id,
    actor: event.actor,
    newValue: event.position,
    context: { entry: event.entryContext ?? null, exit: event.exitContext ?? null },
    reason: event.position.exitReason,
    traceId: event.traceId,
  }),
};
