import { Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ReadinessRegistry } from '../health/readiness-registry';
import { BybitMarketStream } from './bybit/bybit.market-stream';
import { BybitPrivateStream } from './bybit/bybit.private-stream';
import { ExchangeConnectionService } from './exchange-connection.service';
import { ExchangeEventSink } from './exchange.events';
import type { ConnectionStateChange } from './exchange.types';
import { RateLimitClustering } from './rate-limit/rate-limiter.registry';

/**
 * What the exchange does on its own over the application's life (the module class holds no behaviour): registers
 * the readiness check, logs and publishes every connection change, connects in the background at bootstrap with
 * back-off (an unreachable exchange leaves the API up and /health/ready reporting it), closes everything at shutdown.
 */
export class ExchangeLifecycle implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Exchange');
  private connecting?: NodeJS.Timeout;
  private shuttingDown = false;
  private readonly unsubscribes: Array<() => void> = [];

  constructor(
    private readonly connection: ExchangeConnectionService,
    private readonly market: BybitMarketStream,
    private readonly privateStream: BybitPrivateStream,
    private readonly events: ExchangeEventSink,
    private readonly readiness?: ReadinessRegistry,
    private readonly clustering?: RateLimitClustering,
  ) {}

  onModuleInit(): void {
    this.readiness?.register('exchange', () => this.connection.readiness());
    const forward = (change: ConnectionStateChange) => {
      const log = change.state === 'connected' || change.state === 'connecting' ? 'log' : 'warn';
      this.logger[log]({ ...change }, `${change.connection} ${change.previous} → ${change.state}`);
      this.events.publish('exchange.connection-changed', {
        connection: change.connection,
        state: change.state,
        previous: change.previous,
        attempt: change.attempt,
        reason: change.reason,
      });
    };
    this.unsubscribes.push(this.market.on('connection', forward), this.privateStream.on('connection', forward));
  }

  /** Market data streams from boot, whether or not the bot trades. */
  onApplicationBootstrap(): void {
    const attempt = (delayMs: number) => {
      this.connecting = setTimeout(() => {
        this.connection.start().then(
          () => this.logger.log('exchange connected'),
          (error: unknown) => {
            if (this.shuttingDown) return;
            const next = Math.min(delayMs * 2 || 500, 30_000);
            this.logger.warn({ err: error, retryInMs: next }, 'exchange connection failed; retrying');
            attempt(next);
          },
        );
      }, delayMs);
    };
    attempt(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    if (this.connecting) clearTimeout(this.connecting);
    await this.connection.shutdown();
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    // Limiters never close a shared Bottleneck connection; its pub/sub duplicate of the Redis client is ours to end.
    await this.clustering?.connection.disconnect(false);
  }
}
