import { Logger } from '@nestjs/common';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import { BybitMarketStream } from './bybit/bybit.market-stream';
import { BybitPrivateStream } from './bybit/bybit.private-stream';
import { BybitRestClient } from './bybit/bybit.rest-client';
import { ExchangeResilience } from './exchange-resilience';
import type { ExchangeSettings } from './exchange.settings';
import { InstrumentsService } from './instruments.service';
import { RateLimitStatus } from './rate-limit/rate-limiter.registry';
import { BreakerStatus } from './resilience/circuit-breaker.registry';
import { ServerClock } from './server-time';

/** Same shape as bot/domain/bot-participant.ts ParticipantStatus (kept structural: exchange does not import bot). */
export interface ExchangeParticipantStatus {
  readonly state: string;
  readonly connections: Readonly<Record<string, string>>;
  readonly counters: Readonly<Record<string, number>>;
  readonly details: Readonly<Record<string, unknown>>;
}

/**
 * The exchange side of the bot's lifecycle: a BotParticipant (name, start, stop, status) the bot module registers,
 * the readiness check for /health/ready, the resilience status for /trading/risk-status, and periodic clock sync.
 * start() measures the clock offset, loads instruments and opens the streams; stop() leaves the streams open
 * (market data keeps flowing while the bot is stopped); shutdown() closes everything. `whenStarted()` is the
 * awaited signal for what must wait for the first connection (autostart, the first reconciliation).
 */
export class ExchangeConnectionService {
  readonly name = 'exchange';
  private readonly logger = new Logger(ExchangeConnectionService.name);
  private started = false;
  private clockTimer: NodeJS.Timeout | null = null;
  private readonly startedSignal: Promise<void>;
  private signalStarted: () => void = () => undefined;

  constructor(
    private readonly settings: ExchangeSettings,
    private readonly rest: BybitRestClient,
    private readonly market: BybitMarketStream,
    private readonly privateStream: BybitPrivateStream,
    private readonly instruments: InstrumentsService,
    private readonly resilience: ExchangeResilience,
    private readonly clock: ServerClock,
  ) {
    this.startedSignal = new Promise<void>((resolve) => (this.signalStarted = resolve));
  }

  /** Resolves once the first start() has completed (clock measured, instruments loaded, streams open). */
  whenStarted(): Promise<void> {
    return this.startedSignal;
  }

  /** Private stream only with credentials (sim without keys streams public data only). */
  get privateRequired(): boolean {
    return this.privateStream.hasCredentials;
  }

  async start(): Promise<void> {
    if (this.started) return;
    await this.rest.resyncClock();
    await this.instruments.start();
    await this.market.start();
    if (this.privateRequired) await this.privateStream.start();
    this.clockTimer = setInterval(() => void this.rest.resyncClock(), this.settings.timeSyncIntervalMs);
    this.clockTimer.unref();
    this.started = true;
    this.signalStarted();
  }

  async stop(reason: string): Promise<void> {
    this.logger.log({ reason }, 'bot stopped; exchange connections stay open for market data');
  }

  async shutdown(): Promise<void> {
    if (this.clockTimer) clearInterval(this.clockTimer);
    this.clockTimer = null;
    this.instruments.stop();
    await this.market.stop();
    await this.privateStream.stop();
    await this.resilience.shutdown();
    this.started = false;
  }

  connections(): Record<string, string> {
    return {
      'bybit.public': this.market.state(),
      'bybit.private': this.privateRequired ? this.privateStream.state() : 'not-configured',
    };
  }

  status(): ExchangeParticipantStatus {
    const connections = this.connections();
    const market = this.market.stats();
    const priv = this.privateStream.stats();
    const healthy = this.isConnected();
    return {
      state: !this.started ? 'stopped' : healthy ? 'running' : 'degraded',
      connections,
      counters: {
        public_frames: market.frames,
        public_parse_errors: market.parseErrors,
        public_reconnects: market.reconnects,
        private_messages: priv.messages,
        private_reconnects: priv.reconnects,
        private_auth_failures: priv.authFailures,
      },
      details: {
        env: this.settings.env,
        clock: this.clock.status(),
        instruments: { count: this.instruments.all().length, refreshedAtMs: this.instruments.lastRefreshedAt },
        breakers: this.resilience.breakerStates(),
      },
    };
  }

  /** For /trading/risk-status. */
  async resilienceStatus(): Promise<{ readonly rateLimits: RateLimitStatus[]; readonly breakers: BreakerStatus[] }> {
    return this.resilience.status();
  }

  /**
   * Down until the connections are up (a bot that cannot see the market or its orders is not ready to trade),
   * and again whenever one drops.
   */
  readiness(key = 'exchange'): HealthIndicatorResult {
    const connections = this.connections();
    const up = this.started && this.isConnected();
    return { [key]: { status: up ? 'up' : 'down', started: this.started, ...connections } };
  }

  private isConnected(): boolean {
    return this.market.state() === 'connected' && (!this.privateRequired || this.privateStream.state() === 'connected');
  }
}
