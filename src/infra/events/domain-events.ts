/**
 * After-the-fact events that flow back from the trading modules (audit rows, /ws pushes, snapshots).
 * Each carries the trace id of the operation that caused it. New modules extend this map.
 */
export interface DomainEvents {
  'bot.started': {
    readonly traceId?: string;
    readonly actor: string;
    readonly previous: string;
    readonly mode: string;
  };
  'bot.stopped': {
    readonly traceId?: string;
    readonly actor: string;
    readonly previous: string;
    readonly reason: string;
  };
  'auth.password-changed': { readonly traceId?: string; readonly actor: string; readonly passwordVersion: number };
  'auth.login-failed': { readonly traceId?: string; readonly clientAddress: string; readonly throttled: boolean };
}

export type DomainEventName = keyof DomainEvents;
