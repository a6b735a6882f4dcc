import { isoUtc } from '../common/iso-time';
import type { BreakerStatusDto, RateLimitStatusDto } from './dto/exchange-status.dto';
import type { RateLimitStatus } from './rate-limit/rate-limiter.registry';
import type { BreakerStatus } from './resilience/circuit-breaker.registry';

/** Epoch milliseconds → ISO-8601 on the wire (docs/api-conventions.md); null stays null. */
const iso = (ms: number | null): string | null => (ms === null || !Number.isFinite(ms) ? null : isoUtc(Math.round(ms)));

export function toBreakerStatusDto(status: BreakerStatus): BreakerStatusDto {
  return {
    group: status.group,
    state: status.state,
    consecutiveFailures: status.consecutiveFailures,
    failureThreshold: status.failureThreshold,
    cooldownMs: status.cooldownMs,
    openedAt: iso(status.openedAtMs),
    lastError: status.lastError,
    window: { ...status.window },
  };
}

export function toRateLimitStatusDto(status: RateLimitStatus): RateLimitStatusDto {
  const headers = status.exchange;
  return {
    group: status.group,
    limit: status.limit,
    windowMs: status.windowMs,
    capacity: status.capacity,
    tokensLeft: status.tokensLeft,
    queued: status.queued,
    running: status.running,
    utilisation: status.utilisation,
    granted: status.granted,
    waitExceeded: status.waitExceeded,
    pausedUntil: iso(status.pausedUntilMs),
    exchange:
      headers === null
        ? null
        : {
            limit: headers.limit,
            remaining: headers.remaining,
            resetAt: iso(headers.resetAtMs) ?? '',
            receivedAt: iso(headers.atMs) ?? '',
          },
  };
}
