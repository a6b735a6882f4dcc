import { DynamicModule, Logger, Module } from '@nestjs/common';
import Bottleneck from 'bottleneck';
import type { AppConfig } from '../infra/config/app-config';
import { REDIS, RedisConnection } from '../infra/redis/redis.module';
import { APP_CONFIG } from '../infra/config/config.module';
import { EventBus } from '../infra/events/event-bus';
import { ReadinessRegistry } from '../health/readiness-registry';
import { BYBIT_ENDPOINT_GROUPS, BYBIT_IP_LIMIT, ENDPOINT_GROUPS } from './bybit/bybit.constants';
import { BybitMarketStream } from './bybit/bybit.market-stream';
import { BybitPrivateStream } from './bybit/bybit.private-stream';
import { BybitRestClient } from './bybit/bybit.rest-client';
import { ExchangeConnectionService } from './exchange-connection.service';
import { ExchangeLifecycle } from './exchange-lifecycle';
import { ExchangeResilience } from './exchange-resilience';
import { ExchangeController } from './exchange.controller';
import { EventBusExchangeSink, ExchangeEventSink } from './exchange.events';
import { ExchangeRest, MarketStream, PrivateStream } from './exchange.port';
import { createExchangeSettings, EXCHANGE_SETTINGS, ExchangeOverrides, ExchangeSettings } from './exchange.settings';
import { InstrumentsService } from './instruments.service';
import { RateLimitClustering, RateLimiterRegistry } from './rate-limit/rate-limiter.registry';
import { CircuitBreakerRegistry } from './resilience/circuit-breaker.registry';
import { ServerClock } from './server-time';

/** Optional Redis connection for Bottleneck clustering (SPEC §12); in-memory limits without it. */
export const RATE_LIMIT_CLUSTERING = Symbol('RATE_LIMIT_CLUSTERING');

export function createRateLimiterRegistry(
  settings: ExchangeSettings,
  clustering?: RateLimitClustering,
): RateLimiterRegistry {
  const groups = Object.fromEntries(ENDPOINT_GROUPS.map((g) => [g, BYBIT_ENDPOINT_GROUPS[g]]));
  return new RateLimiterRegistry(groups, BYBIT_IP_LIMIT, {
    safetyFactor: settings.rateLimit.safetyFactor,
    maxWaitMs: settings.rateLimit.maxWaitMs,
    clustering,
  });
}

export function rateLimitClusteringFor(config: AppConfig, redis: RedisConnection): RateLimitClustering | undefined {
  if (!redis) return undefined;
  return {
    connection: new Bottleneck.IORedisConnection({ client: redis }),
    idPrefix: `${config.redis.keyPrefix}:bybit:${config.exchange.env}:${config.exchange.apiKey ?? 'public'}`,
  };
}

export function createCircuitBreakerRegistry(
  settings: ExchangeSettings,
  events: ExchangeEventSink,
): CircuitBreakerRegistry {
  const logger = new Logger('CircuitBreaker');
  return new CircuitBreakerRegistry(ENDPOINT_GROUPS, {
    failureThreshold: settings.breaker.failureThreshold,
    cooldownMs: settings.breaker.cooldownMs,
    onTransition: (t) => {
      const message = `breaker ${t.group} ${t.previous} → ${t.state}: ${t.reason}`;
      if (t.state === 'OPEN') logger.warn({ ...t }, message);
      else logger.log({ ...t }, message);
      events.publish('exchange.breaker-changed', {
        group: t.group,
        state: t.state,
        previous: t.previous,
        reason: t.reason,
        consecutiveFailures: t.consecutiveFailures,
        actor: t.actor,
        lastError: t.lastError,
      });
    },
  });
}

/**
 * Bybit V5 behind the exchange ports. Needs APP_CONFIG (ConfigModule) and EventBus (EventsModule), both global;
 * registers its readiness check when HealthModule's ReadinessRegistry is present. The bot module registers
 * ExchangeConnectionService as a participant. Behaviour over the application's life is ExchangeLifecycle's.
 */
@Module({})
export class ExchangeModule {
  static forRoot(overrides: ExchangeOverrides = {}): DynamicModule {
    return {
      module: ExchangeModule,
      // One client, one set of limiters and breakers per process: every module that talks to Bybit shares them.
      global: true,
      controllers: [ExchangeController],
      providers: [
        {
          provide: EXCHANGE_SETTINGS,
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => createExchangeSettings(config, overrides),
        },
        {
          // With REDIS_URL every instance draws from the same Bybit limits (per UID: the API key), SPEC §12.
          provide: RATE_LIMIT_CLUSTERING,
          inject: [APP_CONFIG, { token: REDIS, optional: true }],
          useFactory: (config: AppConfig, redis?: RedisConnection) => rateLimitClusteringFor(config, redis ?? null),
        },
        { provide: ServerClock, useFactory: () => new ServerClock() },
        {
          provide: ExchangeEventSink,
          inject: [EventBus],
          useFactory: (bus: EventBus) => new EventBusExchangeSink(bus),
        },
        {
          provide: RateLimiterRegistry,
          inject: [EXCHANGE_SETTINGS, { token: RATE_LIMIT_CLUSTERING, optional: true }],
          useFactory: (settings: ExchangeSettings, clustering?: RateLimitClustering) =>
            createRateLimiterRegistry(settings, clustering),
        },
        {
          provide: CircuitBreakerRegistry,
          inject: [EXCHANGE_SETTINGS, ExchangeEventSink],
          useFactory: createCircuitBreakerRegistry,
        },
        {
          provide: BybitRestClient,
          inject: [EXCHANGE_SETTINGS, RateLimiterRegistry, CircuitBreakerRegistry, ServerClock],
          useFactory: (s: ExchangeSettings, r: RateLimiterRegistry, b: CircuitBreakerRegistry, c: ServerClock) =>
            new BybitRestClient(s, r, b, c),
        },
        { provide: ExchangeRest, useExisting: BybitRestClient },
        {
          provide: BybitMarketStream,
          inject: [EXCHANGE_SETTINGS],
          useFactory: (s: ExchangeSettings) => new BybitMarketStream(s),
        },
        { provide: MarketStream, useExisting: BybitMarketStream },
        {
          provide: BybitPrivateStream,
          inject: [EXCHANGE_SETTINGS, ServerClock],
          useFactory: (s: ExchangeSettings, c: ServerClock) => new BybitPrivateStream(s, c),
        },
        { provide: PrivateStream, useExisting: BybitPrivateStream },
        {
          provide: InstrumentsService,
          inject: [ExchangeRest, EXCHANGE_SETTINGS],
          useFactory: (rest: ExchangeRest, s: ExchangeSettings) =>
            new InstrumentsService(rest, s.symbols, s.instrumentsRefreshMs),
        },
        {
          provide: ExchangeResilience,
          inject: [RateLimiterRegistry, CircuitBreakerRegistry],
          useFactory: (r: RateLimiterRegistry, b: CircuitBreakerRegistry) => new ExchangeResilience(r, b),
        },
        {
          provide: ExchangeConnectionService,
          inject: [
            EXCHANGE_SETTINGS,
            BybitRestClient,
            BybitMarketStream,
            BybitPrivateStream,
            InstrumentsService,
            ExchangeResilience,
            ServerClock,
          ],
          useFactory: (...deps: ConstructorParameters<typeof ExchangeConnectionService>) =>
            new ExchangeConnectionService(...deps),
        },
        {
          provide: ExchangeLifecycle,
          inject: [
            ExchangeConnectionService,
            BybitMarketStream,
            BybitPrivateStream,
            ExchangeEventSink,
            { token: ReadinessRegistry, optional: true },
            { token: RATE_LIMIT_CLUSTERING, optional: true },
          ],
          useFactory: (...deps: ConstructorParameters<typeof ExchangeLifecycle>) => new ExchangeLifecycle(...deps),
        },
      ],
      exports: [
        EXCHANGE_SETTINGS,
        ExchangeRest,
        MarketStream,
        PrivateStream,
        InstrumentsService,
        RateLimiterRegistry,
        CircuitBreakerRegistry,
        ServerClock,
        ExchangeConnectionService,
      ],
    };
  }
}
