import type { DomainEventName, DomainEvents } from '../../infra/events/domain-events';
import type { AuditEntry } from '../audit.repository';

/**
 * How events become audit rows: one pure function per audited event. The event types come from DomainEvents
 * (merged in by each publishing module), so audit never imports a trading module's code.
 */
export type AuditMapping = { readonly [K in DomainEventName]?: (event: DomainEvents[K]) => AuditEntry };
