import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '../common/clock';
import { DomainError } from '../common/domain-error';
import { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import { EventBus } from '../infra/events/event-bus';
import { currentTraceId } from '../infra/tracing/trace-context';
import { BotParticipant, ParticipantStatus } from './domain/bot-participant';
import { BotError, BotState } from './domain/bot-state';

export interface BotStatus {
  readonly state: BotState;
  readonly running: boolean;
  readonly since: Date;
  readonly mode: string;
  readonly symbols: readonly string[];
  readonly participants: Readonly<Record<string, ParticipantStatus>>;
  readonly connections: Readonly<Record<string, string>>;
  readonly counters: Readonly<Record<string, number>>;
}

export interface TransitionResult {
  readonly changed: boolean;
  readonly status: BotStatus;
}

/**
 * Owns the bot's running state. Trading modules register as participants and are started/stopped in
 * registration order (stopped in reverse). Start and stop are idempotent and serialised, so concurrent
 * requests cannot interleave a half-started bot with a stop.
 */
@Injectable()
export class BotLifecycleService implements OnApplicationShutdown {
  private readonly logger = new Logger(BotLifecycleService.name);
  private readonly participants: BotParticipant[] = [];
  private state: BotState = 'stopped';
  private since: Date;
  private starts = 0;
  private stops = 0;
  private failedStarts = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly events: EventBus,
  ) {
    this.since = clock.now();
  }

  register(participant: BotParticipant): void {
    if (this.participants.some((p) => p.name === participant.name)) {
      throw new BotError('DUPLICATE_PARTICIPANT', `A participant named ${participant.name} is already registered`);
    }
    this.participants.push(participant);
  }

  start(actor: string): Promise<TransitionResult> {
    return this.serialised(async () => {
      if (this.state === 'running') return { changed: false, status: this.status() };
      const previous = this.state;
      this.setState('starting');
      const started: BotParticipant[] = [];
      try {
        for (const participant of this.participants) {
          await participant.start();
          started.push(participant);
        }
      } catch (error) {
        this.failedStarts += 1;
        for (const participant of started.reverse()) {
          await participant
            .stop('start failed')
            .catch((e: unknown) => this.logger.error({ err: e }, `stopping ${participant.name} failed`));
        }
        this.setState('stopped');
        const reason = error instanceof Error ? error.message : String(error);
        if (error instanceof DomainError && error.kind === 'CONFLICT')
          throw new BotError('START_REFUSED', `Bot could not start: ${reason}`, error.details);
        throw new BotError('START_FAILED', `Bot could not start: ${reason}`);
      }
      this.starts += 1;
      this.setState('running');
      this.logger.log({ actor, mode: this.config.exchange.env }, 'bot started');
      this.events.publish('bot.started', {
        traceId: currentTraceId(),
        actor,
        previous,
        mode: this.config.exchange.env,
      });
      return { changed: true, status: this.status() };
    });
  }

  stop(actor: string, reason = 'requested'): Promise<TransitionResult> {
    return this.serialised(async () => {
      if (this.state === 'stopped') return { changed: false, status: this.status() };
      const previous = this.state;
      this.setState('stopping');
      for (const participant of [...this.participants].reverse()) {
        // A participant that fails to stop must not keep the others running.
        await participant
          .stop(reason)
          .catch((e: unknown) => this.logger.error({ err: e }, `stopping ${participant.name} failed`));
      }
      this.stops += 1;
      this.setState('stopped');
      this.logger.log({ actor, reason }, 'bot stopped');
      this.events.publish('bot.stopped', { traceId: currentTraceId(), actor, previous, reason });
      return { changed: true, status: this.status() };
    });
  }

  status(): BotStatus {
    const participants: Record<string, ParticipantStatus> = {};
    const connections: Record<string, string> = {};
    const counters: Record<string, number> = {
      starts: this.starts,
      stops: this.stops,
      failed_starts: this.failedStarts,
    };
    for (const participant of this.participants) {
      const status = participant.status();
      participants[participant.name] = status;
      Object.assign(connections, status.connections ?? {});
      for (const [name, value] of Object.entries(status.counters ?? {}))
        counters[`${participant.name}.${name}`] = value;
    }
    return {
      state: this.state,
      running: this.state === 'running',
      since: this.since,
      mode: this.config.exchange.env,
      symbols: this.config.trading.pairs,
      participants,
      connections,
      counters,
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop('system', 'shutdown');
  }

  private setState(next: BotState): void {
    this.state = next;
    this.since = this.clock.now();
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
