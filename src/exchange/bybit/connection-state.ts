import type { ConnectionName, ConnectionState, ConnectionStateChange } from '../exchange.types';

/** Tracks one connection's state and reports only real changes. */
export class ConnectionStateTracker {
  private current: ConnectionState = 'idle';
  private since: number;

  constructor(
    private readonly name: ConnectionName,
    private readonly now: () => number,
    private readonly emit: (change: ConnectionStateChange) => void,
  ) {
    this.since = now();
  }

  get state(): ConnectionState {
    return this.current;
  }

  get sinceMs(): number {
    return this.since;
  }

  set(state: ConnectionState, details: { attempt?: number; reason?: string } = {}): void {
    if (state === this.current) return;
    const previous = this.current;
    this.current = state;
    this.since = this.now();
    this.emit({ connection: this.name, state, previous, at: this.since, ...details });
  }
}
