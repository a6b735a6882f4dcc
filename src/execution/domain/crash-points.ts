/**
 * The named moments execution can be killed at by the crash tests (FAULT_CRASH_AT=<point>:<n>). Each sits where
 * a crash leaves the database and the exchange in a different relation, which recovery must repair.
 */
export const CRASH_POINTS = [
  /** Pending entry row (and Opening position) committed; nothing sent. */
  'pending-persisted',
  /** The exchange acknowledged the entry; the row still says Pending. */
  'order-acked',
  /** Placed written after the ack. */
  'placed-persisted',
  /** An execution row is stored; the order/position not yet updated from it. */
  'trade-persisted',
  /** A position moved to Open. */
  'position-opened',
  /** Position marked Closing and the exit order written as Pending; nothing sent. */
  'exit-pending-persisted',
  /** The exchange acknowledged the exit; the row still says Pending. */
  'exit-acked',
  /** A position moved to Closed. */
  'position-closed',
  /** Recovery has repaired its first discrepancy of a run. */
  'reconcile-fixed',
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

export function isCrashPoint(value: string): value is CrashPoint {
  return (CRASH_POINTS as readonly string[]).includes(value);
}
