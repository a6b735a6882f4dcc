/**
 * Names of the per-symbol leases. The lock key itself is PostgreSQL's 64-bit `hashtextextended` of this text,
 * computed by the server, so every instance (whatever its version of Node) derives the same key.
 */
const LEASE_NAMESPACE = 'bybit-scalper:symbol:';

export function leaseName(symbol: string): string {
  return LEASE_NAMESPACE + symbol;
}

/**
 * The order in which leases are taken: one global order (sorted), so two instances wanting overlapping sets
 * never each hold a part the other needs for long. An instance takes all of its symbols or none.
 */
export function leaseOrder(symbols: readonly string[]): string[] {
  return [...new Set(symbols)].sort();
}

/** What a waiting instance can say about who holds each symbol it wants. */
export type LeaseHolders = Readonly<Record<string, string | null>>;

export function describeHolders(holders: LeaseHolders): string {
  const entries = Object.entries(holders);
  if (entries.length === 0) return 'held by another instance';
  return entries.map(([symbol, holder]) => `${symbol} by ${holder ?? 'an unnamed session'}`).join(', ');
}
