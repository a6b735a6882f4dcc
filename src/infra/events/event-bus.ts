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
  private readonly inFlight = new Set<Promise<unknown>>();

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
    const handlers = this.handlers.get(name);
    if (handlers === undefined || handlers.length === 0) return;
    // One microtask per event for all its handlers (not a promise chain per handler): a publish on the hot path
    // costs the same few promises whether two subscribers listen or six (the metrics add their own).
    const run: Promise<unknown> = Promise.resolve()
      .then(() => this.dispatch(name, handlers, payload))
      .finally(() => this.inFlight.delete(run));
    this.inFlight.add(run);
  }

  /** Runs each handler in subscription order; a failure is logged and does not stop the others. */
  private dispatch<K extends DomainEventName>(
    name: K,
    handlers: ReadonlyArray<Handler<DomainEventName>>,
    payload: DomainEvents[K],
  ): Promise<unknown> | undefined {
    let pending: Array<Promise<void>> | undefined;
    for (const handler of handlers) {
      try {
        // A handler typed `void` may still return a value (an expression-bodied arrow whose call returns one):
        // only a promise is waited for.
        const result: unknown = handler(payload);
        if (result instanceof Promise)
          (pending ??= []).push(result.catch((error: unknown) => this.failed(name, error)) as Promise<void>);
      } catch (error: unknown) {
        this.failed(name, error);
      }
    }
    return pending === undefined ? undefined : Promise.all(pending);
  }

  private failed(name: DomainEventName, error: unknown): void {
    this.logger.error({ err: error, event: name }, `event handler for ${name} failed`);
  }

  /** Resolves when every handler started so far has finished; used at shutdown and by tests. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}
