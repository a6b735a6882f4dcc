import type Bottleneck from 'bottleneck';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const LocalDatastore = require('bottleneck/lib/LocalDatastore') as new (...args: never[]) => unknown;

/**
 * The part of Bottleneck 2.19's in-memory datastore the fast path reads and writes synchronously: the reservoir
 * (tokens left in the current window; null = no reservoir). It is the very number Bottleneck's own register step
 * decrements (`storeOptions.reservoir -= weight`), its heartbeat refills every reservoirRefreshInterval, and
 * currentReservoir() reports, so a token taken here is seen by every later call, queued or not, and by status().
 * A token is only ever taken here, never given back, so nothing needs Bottleneck's drain (incrementReservoir's
 * second half); updateSettings is never involved (SGrondin/bottleneck#185).
 */
export interface LocalReservoir {
  readonly storeOptions: { reservoir: number | null };
}

/** The limiter's in-memory store, or null when it keeps its state elsewhere (Redis clustering). */
export function localReservoirOf(limiter: Bottleneck): LocalReservoir | null {
  const store = (limiter as unknown as { _store?: unknown })._store;
  return store instanceof LocalDatastore ? (store as LocalReservoir) : null;
}

/**
 * No job of this limiter is waiting for its turn: none received (being registered), queued (no token yet) or
 * RUNNING (granted, its start not yet fired). EXECUTING jobs are not counted: they already hold their tokens and
 * their task is running (for a group job chained to the IP limiter, the part still waiting shows up in the IP
 * limiter's own counts). A call started now overtakes nobody.
 */
export function hasNobodyWaiting(limiter: Bottleneck): boolean {
  const c = limiter.counts();
  return c.RECEIVED + c.QUEUED + c.RUNNING === 0;
}

/**
 * Takes one token from each reservoir, all or none: true when every one of them (group and IP) had a token left
 * in its current window. A null reservoir has no limit of its own. The same reservoir may appear twice (a call
 * to the IP group itself); it is charged once.
 */
export function takeOneFromEach(reservoirs: readonly LocalReservoir[]): boolean {
  for (const r of reservoirs) {
    const tokens = r.storeOptions.reservoir;
    if (tokens !== null && !(tokens >= 1)) return false;
  }
  const charged = new Set<LocalReservoir>();
  for (const r of reservoirs) {
    if (charged.has(r)) continue;
    charged.add(r);
    if (r.storeOptions.reservoir !== null) r.storeOptions.reservoir -= 1;
  }
  return true;
}
