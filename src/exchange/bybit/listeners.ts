import type { Unsubscribe } from '../exchange.types';

type Listener<T> = (payload: T) => void;

/** Synchronous typed listeners for the stream hot path: no microtask hop, a throwing listener cannot break the loop. */
export class Listeners<E> {
  private readonly lists: { [K in keyof E]?: Listener<E[K]>[] } = {};

  constructor(private readonly onListenerError: (event: keyof E, error: unknown) => void) {}

  on<K extends keyof E>(event: K, listener: Listener<E[K]>): Unsubscribe {
    const list = (this.lists[event] ??= []);
    list.push(listener);
    return () => {
      const index = list.indexOf(listener);
      if (index >= 0) list.splice(index, 1);
    };
  }

  emit<K extends keyof E>(event: K, payload: E[K]): void {
    const list = this.lists[event];
    if (!list) return;
    for (let i = 0; i < list.length; i += 1) {
      try {
        list[i](payload);
      } catch (error) {
        this.onListenerError(event, error);
      }
    }
  }
}
