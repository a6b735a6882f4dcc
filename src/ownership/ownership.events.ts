/** After-the-fact ownership events: audited, and what reconciliation reacts to (execution reads ownsAll() itself). */
export interface OwnershipEvents {
  'ownership.changed': {
    readonly traceId?: string;
    /** acquired: this instance now trades every configured symbol; lost: it must stop trading them at once. */
    readonly state: 'acquired' | 'lost';
    readonly symbols: readonly string[];
    readonly instance: string;
    readonly reason: string;
  };
}

declare module '../infra/events/domain-events' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging adds this module's events
  interface DomainEvents extends OwnershipEvents {}
}
