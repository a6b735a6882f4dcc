/** After-the-fact reconciliation events: each repaired discrepancy and each completed run is audited. */

export const DISCREPANCY_KINDS = [
  /** A Pending order the exchange never saw: marked Failed. */
  'ORDER_NEVER_SENT',
  /** An active DB order the exchange has finished (filled, cancelled, rejected) while we were away. */
  'ORDER_STATUS_DRIFT',
  /** An order on the exchange with no DB row (matched by orderLinkId): adopted. */
  'ORDER_UNKNOWN_TO_DB',
  /** An execution the bot had not recorded (missed while down or disconnected). */
  'MISSED_FILL',
  /** Position size or entry price differs from the exchange's. */
  'POSITION_DRIFT',
  /** The DB has a live position the exchange does not (flat there). */
  'POSITION_CLOSED_ON_EXCHANGE',
  /** The exchange has a position the DB does not. */
  'POSITION_UNKNOWN_TO_DB',
] as const;
export type DiscrepancyKind = (typeof DISCREPANCY_KINDS)[number];

export interface RecoveryEvents {
  'recovery.discrepancy-fixed': {
    readonly traceId?: string;
    readonly kind: DiscrepancyKind;
    readonly entityType: 'order' | 'position' | 'trade';
    readonly entityId: string | null;
    readonly symbol: string;
    readonly oldValue: unknown;
    readonly newValue: unknown;
    readonly reason: string;
  };
  'recovery.completed': {
    readonly traceId?: string;
    /** ownership: this instance has just acquired the lease of its symbols (at boot or after losing it). */
    readonly trigger: 'startup' | 'reconnect' | 'manual' | 'ownership';
    readonly durationMs: number;
    readonly fixes: Readonly<Partial<Record<DiscrepancyKind, number>>>;
    readonly success: boolean;
    readonly error?: string;
  };
}

declare module '../infra/events/domain-events' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging adds this module's events
  interface DomainEvents extends RecoveryEvents {}
}
