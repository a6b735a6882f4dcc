/**
 * Date math for the natively partitioned `market_data_snapshots`: one partition per UTC day, named
 * `market_data_snapshots_pYYYYMMDD`, covering [day 00:00Z, next day 00:00Z). Pure: time comes in as an argument.
 */

export const SNAPSHOT_TABLE = 'market_data_snapshots';
export const PARTITION_PREFIX = `${SNAPSHOT_TABLE}_p`;

const DAY_MS = 86_400_000;
const NAME_PATTERN = /^market_data_snapshots_p(\d{4})(\d{2})(\d{2})$/;

export interface DailyPartition {
  readonly name: string;
  /** Inclusive lower bound, 00:00:00 UTC of the day. */
  readonly from: Date;
  /** Exclusive upper bound, 00:00:00 UTC of the next day. */
  readonly to: Date;
}

export function startOfUtcDay(at: Date): Date {
  assertValid(at, 'at');
  return new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
}

/** The partition holding the instant `at`. */
export function dailyPartition(at: Date): DailyPartition {
  const from = startOfUtcDay(at);
  const iso = from.toISOString(); // YYYY-MM-DDT00:00:00.000Z
  const name = `${PARTITION_PREFIX}${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}`;
  return { name, from, to: new Date(from.getTime() + DAY_MS) };
}

/**
 * The partition a table name stands for, or null when the name is not one of ours (a hand-made partition, a
 * renamed one, or an impossible date such as 20250230): only names this module would produce are ever dropped.
 */
export function parsePartitionName(name: string): DailyPartition | null {
  const match = NAME_PATTERN.exec(name);
  if (!match) return null;
  const [, year, month, day] = match;
  const from = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  const partition = dailyPartition(from);
  return partition.name === name ? partition : null;
}

/** Today and the `daysAhead` following UTC days, so writes never meet a missing partition at midnight. */
export function partitionsToEnsure(now: Date, daysAhead = 3): DailyPartition[] {
  if (!Number.isInteger(daysAhead) || daysAhead < 0)
    throw new RangeError(`daysAhead must be a non-negative integer, got ${daysAhead}`);
  const today = startOfUtcDay(now).getTime();
  return Array.from({ length: daysAhead + 1 }, (_, i) => dailyPartition(new Date(today + i * DAY_MS)));
}

/**
 * Among `names`, the partitions whose every row is older than the retention window: upper bound at or before
 * `now - retentionDays`. A partition straddling the cutoff is kept whole (retention errs on keeping data), and
 * today's and future partitions are never returned whatever the retention. Oldest first.
 */
export function expiredPartitions(names: readonly string[], now: Date, retentionDays: number): DailyPartition[] {
  if (!Number.isInteger(retentionDays) || retentionDays < 1) {
    throw new RangeError(`retentionDays must be a positive integer, got ${retentionDays}`);
  }
  assertValid(now, 'now');
  const cutoff = Math.min(now.getTime() - retentionDays * DAY_MS, startOfUtcDay(now).getTime());
  return names
    .map(parsePartitionName)
    .filter((p): p is DailyPartition => p !== null && p.to.getTime() <= cutoff)
    .sort((a, b) => a.from.getTime() - b.from.getTime());
}

function assertValid(date: Date, name: string): void {
  if (Number.isNaN(date.getTime())) throw new RangeError(`${name} is an invalid date`);
}
