/**
 * What the simulator is told to break, at start (SIM_FAULTS) or at run time (the loopback control endpoint).
 * Shares are probabilities 0..1 drawn from the simulator's seeded random source, so a faulty run is reproducible.
 */
export interface FaultSettings {
  /** Share of REST calls answered with an HTTP 5xx (an exchange fault: breakers count it). */
  readonly httpErrorRate: number;
  /** The status of those answers: 503 by default; 500, 502 or 504 as a gateway in front of Bybit would answer. */
  readonly httpErrorStatus: number;
  /** Share of REST calls that never answer (the client's timeout fires). */
  readonly httpTimeoutRate: number;
  /** Share of order creations rejected with a business error (110007: not a breaker failure). */
  readonly orderRejectRate: number;
  /** Extra latency for every WebSocket message, ms. */
  readonly wsDelayMs: number;
  /** Share of public WebSocket messages silently dropped (creates sequence gaps on order books). */
  readonly wsDropRate: number;
  /** The market feed is frozen (no book, trade or kline pushes) while true. */
  readonly feedPaused: boolean;
}

export const NO_FAULTS: FaultSettings = Object.freeze({
  httpErrorRate: 0,
  httpErrorStatus: 503,
  httpTimeoutRate: 0,
  orderRejectRate: 0,
  wsDelayMs: 0,
  wsDropRate: 0,
  feedPaused: false,
});

const RATE_KEYS = ['httpErrorRate', 'httpTimeoutRate', 'orderRejectRate', 'wsDropRate'] as const;

export class FaultPlanError extends Error {}

/** Validates a partial update (from JSON) and merges it; unknown keys and out-of-range values are refused. */
export function mergeFaults(current: FaultSettings, update: unknown): FaultSettings {
  if (typeof update !== 'object' || update === null || Array.isArray(update))
    throw new FaultPlanError('faults must be a JSON object');
  const next: Record<string, number | boolean> = { ...current };
  for (const [key, value] of Object.entries(update)) {
    if ((RATE_KEYS as readonly string[]).includes(key)) {
      if (typeof value !== 'number' || !(value >= 0 && value <= 1))
        throw new FaultPlanError(`${key} must be a number from 0 to 1`);
      next[key] = value;
    } else if (key === 'httpErrorStatus') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 500 || value > 599)
        throw new FaultPlanError('httpErrorStatus must be an HTTP status from 500 to 599');
      next[key] = value;
    } else if (key === 'wsDelayMs') {
      if (typeof value !== 'number' || !(value >= 0 && value <= 60_000))
        throw new FaultPlanError('wsDelayMs must be 0..60000');
      next[key] = value;
    } else if (key === 'feedPaused') {
      if (typeof value !== 'boolean') throw new FaultPlanError('feedPaused must be true or false');
      next[key] = value;
    } else {
      throw new FaultPlanError(`unknown fault ${key}`);
    }
  }
  return Object.freeze(next as unknown as FaultSettings);
}

/** Parses SIM_FAULTS, e.g. `{"httpErrorRate":0.2}`; empty means none. */
export function parseFaults(text: string | undefined): FaultSettings {
  if (!text || text.trim() === '') return NO_FAULTS;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new FaultPlanError('SIM_FAULTS must be JSON, e.g. {"httpErrorRate":0.2}');
  }
  return mergeFaults(NO_FAULTS, parsed);
}
