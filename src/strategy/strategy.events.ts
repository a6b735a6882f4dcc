import type { Signal } from './domain/signal';

/** After-the-fact strategy events (the /ws gateway and, later, execution listen). */
export interface StrategyEvents {
  'signal.generated': { readonly traceId?: string; readonly signal: Signal };
}

declare module '../infra/events/domain-events' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging adds this module's events
  interface DomainEvents extends StrategyEvents {}
}
