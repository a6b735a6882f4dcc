import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ClsServiceManager } from 'nestjs-cls';
import { EventBus } from '../infra/events/event-bus';
import { DomainEvents } from '../infra/events/domain-events';
import { AuditLogEntity } from './audit-log.entity';
import { AuditQuery, AuditRepository, NewAuditRow } from './audit.repository';

/** What a caller records; the trace id is taken from the current trace context when not given. */
export type AuditEntry = Omit<NewAuditRow, 'timestamp'>;

/**
 * Writes the audit trail from domain events (nobody imports this module to write: the trading modules publish
 * after-the-fact events, so an audit failure can never fail or slow the operation it describes) and serves reads.
 */
@Injectable()
export class AuditService implements OnModuleInit, OnModuleDestroy {
  private readonly unsubscribes: Array<() => void> = [];

  constructor(
    private readonly audit: AuditRepository,
    private readonly events: EventBus,
  ) {}

  onModuleInit(): void {
    this.unsubscribes.push(
      this.events.on('bot.started', (e) => this.onBotStarted(e)),
      this.events.on('bot.stopped', (e) => this.onBotStopped(e)),
      this.events.on('auth.password-changed', (e) => this.onPasswordChanged(e)),
      this.events.on('auth.login-failed', (e) => this.onLoginFailed(e)),
      this.events.on('exchange.breaker-changed', (e) => this.onBreakerChanged(e)),
    );
  }

  onModuleDestroy(): void {
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
  }

  /** Appends one row; a failed write rejects (event handlers' failures are logged by the EventBus). */
  record(entry: AuditEntry): Promise<AuditLogEntity> {
    return this.audit.append({ ...entry, traceId: entry.traceId ?? currentTraceId() ?? null });
  }

  list(filters: AuditQuery): Promise<AuditLogEntity[]> {
    return this.audit.query(filters);
  }

  private async onBotStarted(event: DomainEvents['bot.started']): Promise<void> {
    await this.record({
      action: 'BOT_START',
      entityType: 'bot',
      actor: event.actor,
      oldValue: { state: event.previous },
      newValue: { state: 'running', mode: event.mode },
      traceId: event.traceId,
    });
  }

  private async onBotStopped(event: DomainEvents['bot.stopped']): Promise<void> {
    await this.record({
      action: 'BOT_STOP',
      entityType: 'bot',
      actor: event.actor,
      oldValue: { state: event.previous },
      newValue: { state: 'stopped' },
      reason: event.reason,
      traceId: event.traceId,
    });
  }

  private async onPasswordChanged(event: DomainEvents['auth.password-changed']): Promise<void> {
    // Only the version number: never a password or a hash.
    await this.record({
      action: 'PASSWORD_CHANGE',
      entityType: 'auth',
      entityId: 'credentials',
      actor: event.actor,
      newValue: { passwordVersion: event.passwordVersion },
      traceId: event.traceId,
    });
  }

  private async onBreakerChanged(event: DomainEvents['exchange.breaker-changed']): Promise<void> {
    // An open breaker stops new entries: operators must be able to see when and why it happened.
    await this.record({
      action: 'CIRCUIT_BREAKER_CHANGE',
      entityType: 'circuit_breaker',
      entityId: event.group,
      actor: event.actor ?? 'system',
      oldValue: { state: event.previous },
      newValue: { state: event.state, consecutiveFailures: event.consecutiveFailures },
      reason: event.reason,
      errorMessage: event.lastError ?? null,
      success: event.state !== 'OPEN',
      traceId: event.traceId,
    });
  }

  private async onLoginFailed(event: DomainEvents['auth.login-failed']): Promise<void> {
    await this.record({
      action: 'LOGIN_FAILED',
      entityType: 'auth',
      entityId: 'credentials',
      actor: event.clientAddress,
      context: { clientAddress: event.clientAddress, throttled: event.throttled },
      success: false,
      errorMessage: event.throttled ? 'login throttled' : 'invalid credentials',
      traceId: event.traceId,
    });
  }
}

/**
 * The trace id of the request, WS message or bot operation in progress, if any. Read straight from nestjs-cls
 * (the tracing module keeps the trace id as the CLS id) so audit does not depend on the tracing module.
 */
function currentTraceId(): string | undefined {
  try {
    const cls = ClsServiceManager.getClsService();
    return cls.isActive() ? cls.getId() : undefined;
  } catch {
    // No ClsModule registered (e.g. a test or a CLI): no trace context, which is not an error.
    return undefined;
  }
}
