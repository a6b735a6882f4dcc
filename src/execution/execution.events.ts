import type { ExecutionEvents } from './domain/execution-events';

/** The execution events are defined with the kernel that publishes them (domain/execution-events.ts). */
export type {
  ExecutionEventName,
  ExecutionEvents,
  OrderView,
  PositionView,
  TradeContext,
} from './domain/execution-events';

declare module '../infra/events/domain-events' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging adds this module's events
  interface DomainEvents extends ExecutionEvents {}
}
