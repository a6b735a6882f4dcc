import { Injectable, Logger } from '@nestjs/common';
import { DomainEventName, DomainEvents } from './domain-events';

type Handler<K extends DomainEventName> = (payload: DomainEvents[K]) => void | Promise<void>;

/**
 * Typed in-process publish/subscribe. Handlers run after the publisher's work (on a microtask), so a slow or
 * failing subscriber (the audit writer, a /ws push) never delays or breaks the operation that published.
 */
@Injectable()
export class EventBus {
  private readonly logger = new Logger(EventBus.name);
  private readonly handlers = new Map<DomainEventName, Array<Handler<DomainEventName>>>();
  private readonly inFlight = new Set<Promise<void>>();

  on<K extends DomainEventName>(name: K, handler: Handler<K>): () => void {
    const list = this.handlers.get(name) ?? [];
    list.push(handler as Handler<DomainEventName>);
    this.handlers.set(name, list);
    return () => {
      const current = this.handlers.get(name) ?? [];
      this.handlers.set(
        name,
        current.filter((h) => h !== handler),
      );
    };
  }

  publish<K extends DomainEventName>(name: K, payload: DomainEvents[K]): void {
    for (const handler of this.handlers.get(name) ?? []) {
      const run = Promise.resolve()
        .then(() => handler(payload))
        .catch((error: unknown) => this.logger.error({ err: error, event: name }, `event handler for ${name} failed`))
        .finally(() => this.inFlight.delete(run));
      this.inFlight.add(run);
    }
  }

  /** Resolves when every handler started so far has finished; used at shutdown and by tests. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}
