import type { ServerTime } from './exchange.types';

/**
 * Offset between the exchange's clock and ours, measured from /v5/market/time (NTP-style: the server's time is
 * taken to be the middle of the round trip). Signatures use `now() + offsetMs`, so a drifting local clock never
 * pushes requests outside Bybit's recv window (10002).
 */
export class ServerClock {
  private offset = 0;
  private lastSample: ServerTime | null = null;
  private measuredAt: number | null = null;

  constructor(private readonly localNow: () => number = Date.now) {}

  get offsetMs(): number {
    return this.offset;
  }

  /** Exchange time estimate in ms. */
  now(): number {
    return this.localNow() + this.offset;
  }

  /** Records a measurement: `sentAt`/`receivedAt` are local times around the request. */
  record(serverTimeMs: number, sentAt: number, receivedAt: number): ServerTime {
    const roundTripMs = Math.max(0, receivedAt - sentAt);
    const offsetMs = Math.round(serverTimeMs - (sentAt + roundTripMs / 2));
    this.offset = offsetMs;
    this.lastSample = { serverTimeMs, offsetMs, roundTripMs };
    this.measuredAt = receivedAt;
    return this.lastSample;
  }

  status(): { readonly offsetMs: number; readonly roundTripMs: number | null; readonly measuredAtMs: number | null } {
    return { offsetMs: this.offset, roundTripMs: this.lastSample?.roundTripMs ?? null, measuredAtMs: this.measuredAt };
  }
}

/** Server time in ms from a /v5/market/time answer: result.timeNano, else timeSecond, else the envelope's `time`. */
export function serverTimeMsOf(
  result: { timeSecond?: unknown; timeNano?: unknown } | undefined,
  envelopeTime: unknown,
): number {
  const nano = result?.timeNano;
  if (typeof nano === 'string' && /^\d{13,}$/.test(nano)) return Number(BigInt(nano) / 1_000_000n);
  if (typeof envelopeTime === 'number' && envelopeTime > 0) return envelopeTime;
  const seconds = Number(result?.timeSecond);
  if (Number.isFinite(seconds) && seconds > 0) return seconds * 1000;
  throw new Error('No server time in /v5/market/time answer');
}
