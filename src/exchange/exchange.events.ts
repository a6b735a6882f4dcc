import type { EventBus } from '../infra/events/event-bus';
import type { DomainEvents } from '../infra/events/domain-events';
import type { BreakerState } from './resilience/circuit-breaker.registry';
import type { ConnectionName, ConnectionState } from './exchange.types';

/**
 * After-the-fact exchange events for audit and /ws (not the hot path: book, trades and order updates go through
 * MarketStream/PrivateStream listeners). To be merged into infra/events/domain-events.ts DomainEvents.
 */
export interface ExchangeEvents {
  'exchange.connection-changed': {
    readonly traceId?: string;
    readonly connection: ConnectionName;
    readonly state: ConnectionState;
    readonly previous: ConnectionState;
    readonly attempt?: number;
    readonly reason?: string;
  };
  'exchange.breaker-changed': {
    readonly traceId?: string;
    readonly group: string;
    readonly state: BreakerState;
    readonly previous: BreakerState;
    readonly reason: string;
    readonly consecutiveFailures: number;
    /** Set for a manual reset. */
    readonly actor?: string;
    readonly lastError?: string;
  };
}

export type ExchangeEventName = keyof ExchangeEvents;

/** Where the exchange module publishes its events. */
export abstract class ExchangeEventSink {
  abstract publish<K extends ExchangeEventName>(name: K, payload: ExchangeEvents[K]): void;
}

// The exchange's events join the application's event map by declaration merging, so infra/events never imports
// a trading module and subscribers (audit, /ws) get them fully typed.
declare module '../infra/events/domain-events' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging adds this module's events
  interface DomainEvents extends ExchangeEvents {}
}

/** Publishes on the in-process EventBus. */
export class EventBusExchangeSink extends ExchangeEventSink {
  constructor(private readonly bus: EventBus) {
    super();
  }

  publish<K extends ExchangeEventName>(name: K, payload: ExchangeEvents[K]): void {
    // DomainEvents[K] is ExchangeEvents[K] for these names (merged above); TypeScript cannot see that through K.
    this.bus.publish<ExchangeEventName>(name, payload as DomainEvents[ExchangeEventName]);
  }
}
